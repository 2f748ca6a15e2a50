// Preload for the start-up tests (`node --import ./tests/build/loaded-packages.mjs bin/anomseer.mjs …`):
// when the process exits, write the npm packages it loaded to $LOADED_PACKAGES_OUT, one per line.
// The packages that matter here (onnxruntime-node, sharp, @grpc/grpc-js, ioredis, ws, prom-client,
// tsx's esbuild) are CommonJS, so each one loaded, from ESM or CommonJS, is in the require cache.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.env.LOADED_PACKAGES_OUT;
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const packages = new Set();
  for (const file of Object.keys(cache)) {
    const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
    if (m !== null) packages.add(m[1].replace('\\', '/'));
  }
  if (out !== undefined) writeFileSync(out, [...packages].sort().join('\n') + '\n');
});
