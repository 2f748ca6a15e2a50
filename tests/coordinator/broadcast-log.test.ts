// The broadcast log behind the dashboard's "weights" table: bytes summed per version, a
// worker fetching twice counted once, time from publish to the last completed fetch on a
// manual clock, the newest 20 versions kept, unknown versions ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BroadcastLog, DEFAULT_BROADCASTS_KEPT } from '../../dashboard/broadcast-log.js';

/** A log on a manual clock starting at 1000 ms. */
const make = (keep?: number) => {
  let t = 1_000;
  const clock = {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
  return { log: new BroadcastLog({ clock: clock.now, keep }), clock };
};

test('a published version starts with nothing sent, no worker and no time', () => {
  const { log } = make();
  assert.ok(log.published(1, 300));
  assert.equal(log.list(), [
    { version: 1, bytes: 300, bytesSent: 0, bytesRelayed: 0, workersUpdated: 0, publishedAtMs: 1_000, lastFetchAtMs: null, seconds: null, received: [] },
  ]);
});

test('bytes sent are summed over every chunk of every stream; a worker fetching twice counts once', () => {
  const { log, clock } = make();
  log.published(4, 300);
  clock.advance(400);
  log.sent(4, 200);
  log.sent(4, 100);
  log.fetched(4, 'w1');
  clock.advance(1_100);
  log.sent(4, 300);
  log.fetched(4, 'w2');
  clock.advance(100);
  log.sent(4, 300);
  log.fetched(4, 'w1');
  const [e] = log.list();
  assert.is(e!.bytesSent, 900);
  assert.is(e!.workersUpdated, 2);
  assert.is(e!.lastFetchAtMs, 2_600);
  assert.is(e!.seconds, 1.6);
});

test('a stream that was cancelled adds its bytes but no worker', () => {
  const { log } = make();
  log.published(2, 300);
  log.sent(2, 100); // cancelled after one chunk: fetched() is never called
  assert.equal([log.list()[0]!.bytesSent, log.list()[0]!.workersUpdated, log.list()[0]!.seconds], [100, 0, null]);
});

test('fetches without a worker id count one completed stream each', () => {
  const { log } = make();
  log.published(1, 10);
  log.fetched(1, '');
  log.fetched(1, '');
  log.fetched(1, 'w1');
  assert.is(log.list()[0]!.workersUpdated, 3);
});

test('versions are listed newest first, each with its own counts, whatever the order they were published in', () => {
  const { log, clock } = make();
  log.published(2, 20);
  clock.advance(10);
  log.published(1, 10); // late, but the log is not full: kept
  log.published(3, 30);
  log.fetched(2, 'w1');
  assert.equal(
    log.list().map((e) => [e.version, e.bytes, e.workersUpdated]),
    [
      [3, 30, 0],
      [2, 20, 1],
      [1, 10, 0],
    ],
  );
});

test(`only the newest ${DEFAULT_BROADCASTS_KEPT} versions are kept`, () => {
  const { log } = make();
  for (let v = 1; v <= 25; v += 1) log.published(v, v);
  const list = log.list();
  assert.is(list.length, 20);
  assert.equal([list[0]!.version, list.at(-1)!.version], [25, 6]);
  assert.is(log.published(3, 3), false, 'older than every kept version of a full log: ignored');
  assert.is(log.list().length, 20);
});

test('unknown, evicted or republished versions are ignored and reported with false', () => {
  const { log, clock } = make(2);
  log.published(1, 10);
  log.published(2, 20);
  log.published(3, 30); // evicts 1
  assert.is(log.sent(1, 10), false);
  assert.is(log.fetched(1, 'w1'), false);
  assert.is(log.sent(9, 10), false);
  assert.is(log.fetched(9, 'w1'), false);
  clock.advance(500);
  assert.is(log.published(3, 99), false, 'versions are immutable: the first publish stands');
  assert.equal(
    log.list().map((e) => [e.version, e.bytes, e.bytesSent, e.workersUpdated, e.publishedAtMs]),
    [
      [3, 30, 0, 0, 1_000],
      [2, 20, 0, 0, 1_000],
    ],
  );
});

test("relayed fetches: a report counts the worker, its bytes by source, and relayed bytes apart from the coordinator's", () => {
  const { log, clock } = make();
  log.published(5, 1_000);
  log.sent(5, 1_000); // w1 streamed the whole file from the coordinator
  log.fetched(5, 'w1');
  clock.advance(200);
  assert.ok(log.received(5, 'w1', [{ from: '', bytes: 1_000 }], true));
  clock.advance(100);
  // w2 got 400 bytes from w1, which died; the rest came from the coordinator (resumed, not restarted).
  log.sent(5, 600);
  assert.ok(
    log.received(
      5,
      'w2',
      [
        { from: 'w1', bytes: 400 },
        { from: '', bytes: 600 },
      ],
      true,
    ),
  );
  clock.advance(100);
  log.received(5, 'w3', [{ from: 'w2', bytes: 1_000 }], true);
  const [e] = log.list();
  assert.is(e!.bytesSent, 1_600, "the coordinator's own egress");
  assert.is(e!.bytesRelayed, 1_400, 'what workers sent each other');
  assert.is(e!.workersUpdated, 3);
  assert.is(e!.lastFetchAtMs, 1_400);
  assert.equal(e!.received, [
    { workerId: 'w1', from: { '': 1_000 }, complete: true },
    { workerId: 'w2', from: { w1: 400, '': 600 }, complete: true },
    { workerId: 'w3', from: { w2: 1_000 }, complete: true },
  ]);
});

test('an incomplete report adds bytes but no worker; a later complete one from the same worker counts it once', () => {
  const { log, clock } = make();
  log.published(2, 100);
  log.received(2, 'w9', [{ from: 'w1', bytes: 40 }], false);
  assert.equal([log.list()[0]!.workersUpdated, log.list()[0]!.seconds, log.list()[0]!.bytesRelayed], [0, null, 40]);
  clock.advance(50);
  log.received(2, 'w9', [{ from: '', bytes: 60 }], true);
  log.fetched(2, 'w9'); // its coordinator stream ended too: still one worker
  assert.equal(log.list()[0]!.received, [{ workerId: 'w9', from: { w1: 40, '': 60 }, complete: true }]);
  assert.is(log.list()[0]!.workersUpdated, 1);
  assert.is(log.received(7, 'w9', [], true), false, 'unknown version: ignored');
  assert.is(log.received(2, '', [], true), false, 'no worker id: ignored');
});

test('keep must be an integer >= 1', () => {
  assert.throws(() => new BroadcastLog({ clock: () => 0, keep: 0 }), /keep is 0; expected an integer >= 1/);
});

test.run();
