#!/usr/bin/env node
// Entry point of the `anomseer` CLI. Runs the compiled CLI in dist/ (scripts/build.mjs; `npm ci`
// builds it, so does `npm run build`) when it is current for the TypeScript sources
// (bin/build-status.mjs). Otherwise — dist/ missing, or a source edited since the build — it
// prints one warning line and runs the sources through tsx, so stale code never runs.
// ANOMSEER_RUN_SOURCES=1 runs the sources through tsx without the check or the warning.
import { fileURLToPath } from 'node:url';
import { buildStatus } from './build-status.mjs';

const root = new URL('..', import.meta.url);
const fromSources = process.env.ANOMSEER_RUN_SOURCES === '1';
const status = fromSources ? undefined : buildStatus(fileURLToPath(root));
let entry;
if (status?.current === true) {
  process.setSourceMapsEnabled(true); // internal errors' stack traces name the .ts lines
  entry = new URL('dist/main.mjs', root).href;
} else {
  if (status !== undefined)
    process.stderr.write(`anomseer: warning: ${status.reason}; running the TypeScript sources through tsx (slower start; npm run build compiles them)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('cli/main.ts', root).href;
}
const { main } = await import(entry);
await main(process.argv);
