// `anomseer worker --peer-listen / --peer-advertise`: malformed values and a port already taken
// are clear one-line errors (exit 2) naming the flag; a wildcard bind is advertised by hostname.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { advertisedAddress } from '../../rollout-worker/main.js';
import { TOKEN } from './helpers.js';

const worker = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/anomseer.mjs', 'worker', '--coordinator', '127.0.0.1:1', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ANOMSEER_TOKEN: TOKEN },
  });

const BAD: [string[], RegExp][] = [
  [['--peer-listen', 'localhost'], /--peer-listen: is "localhost"; expected host:port, e\.g\. 127\.0\.0\.1:0, or off/],
  [['--peer-listen', '127.0.0.1:99999'], /--peer-listen: is "127\.0\.0\.1:99999"; expected host:port with a port in \[0, 65535\]/],
  [['--peer-advertise', 'no port'], /--peer-advertise: is "no port"; expected host:port/],
  [['--peer-advertise', 'off'], /--peer-advertise: is "off"; expected host:port \(use --peer-listen off to relay nothing\)/],
];
for (const [args, message] of BAD) {
  test(`worker ${args.join(' ')}: exit 2, the flag named`, () => {
    const r = worker(...args);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('a relay port already taken: exit 2 naming --peer-listen', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = worker('--peer-listen', `127.0.0.1:${port}`);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--peer-listen: cannot listen on 127\\.0\\.0\\.1:${port}`));
  } finally {
    taken.close();
  }
});

const ADVERTISED: [string, string][] = [
  ['127.0.0.1:4100', '127.0.0.1:4100'],
  ['0.0.0.0:4100', 'node7:4100'],
  ['[::]:4100', 'node7:4100'],
  ['10.1.2.3:4100', '10.1.2.3:4100'],
];
for (const [bound, want] of ADVERTISED) test(`bound ${bound} is advertised as ${want}`, () => assert.is(advertisedAddress(bound, 'node7'), want));

test.run();
