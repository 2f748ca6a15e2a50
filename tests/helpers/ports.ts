/**
 * Ports for servers that a test starts in another process and must name before they bind (a
 * redis-server, a coordinator, a pod's containerPort). A port found by binding port 0 comes from
 * the kernel's ephemeral range, where any concurrent test's port-0 bind or outgoing connection can
 * take it before the server binds (CI saw `EADDRINUSE 127.0.0.1:33559` that way). So the port is
 * drawn at random from below that range, checked free on 127.0.0.1, and reserved for the test run
 * by a file in the directory scripts/run-tests.mjs names in ANOMSEER_TEST_PORTS (created with
 * O_EXCL), so two test files never draw the same one. Run by hand without the runner, the draw is
 * still outside the ephemeral range; only the reservation is skipped.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The lowest port the kernel hands out on its own (Linux default 32768). */
function ephemeralLow(): number {
  try {
    const lo = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(lo) && lo > 0 ? lo : 32768;
  } catch {
    return 32768;
  }
}

const BAND_LOW = 15000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function boundByKernel(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Takes `port` for this test run; false when another test file took it first. */
function reserve(port: number, dir: string | undefined): boolean {
  if (dir === undefined || dir === '') return true;
  try {
    closeSync(openSync(join(dir, String(port)), 'wx'));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** A free loopback port outside the ephemeral range, this test file's alone for the run. */
export async function freePort(random: () => number = Math.random, dir = process.env.ANOMSEER_TEST_PORTS): Promise<number> {
  const high = ephemeralLow() - 1;
  if (high - BAND_LOW < 1000) return boundByKernel(); // a machine configured with a tiny fixed band
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = BAND_LOW + Math.floor(random() * (high - BAND_LOW + 1));
    if (reserve(port, dir) && (await bindable(port))) return port;
  }
  throw new Error(`no free port in ${BAND_LOW}-${high} after 500 draws: is something holding most of them?`);
}
