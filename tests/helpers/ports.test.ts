import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
/** A random source that returns `values` in turn. */
const seq =
  (...values: number[]) =>
  () =>
    values.shift() ?? Math.random();
const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

test('a port is drawn below the ephemeral range and can be bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ports-test-'));
  try {
    for (let i = 0; i < 5; i++) {
      const p = await freePort(Math.random, dir);
      assert.ok(p >= 15000 && p < ephemeralLow, `${p} outside 15000..${ephemeralLow - 1}`);
      (await listen(p)).close();
    }
    assert.is(readdirSync(dir).length, 5, 'each drawn port is reserved in the run directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port another test file reserved, or a server holds, is not drawn again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ports-test-'));
  try {
    const a = await freePort(seq(0.25), dir);
    const b = await freePort(seq(0.25, 0.5), dir); // the same draw first: reserved, so the next
    assert.is.not(b, a);
    const held = await listen(await freePort(seq(0.75), '')); // '' : no reservation
    try {
      const heldPort = (held.address() as { port: number }).port;
      const c = await freePort(seq(0.75, 0.8), ''); // the same draw first: bound, so the next
      assert.is.not(c, heldPort);
    } finally {
      held.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
