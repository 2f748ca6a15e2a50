// Who fetches from whom (coordinator/service/weight-relays.ts), on a manual clock: a chain
// with fanout 1, a tree with fanout 2, fall-back when a source fails (never onto one's own
// children), silence, reachability of loopback addresses, and the coordinator as the source of
// last resort.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WeightRelays, hostOfPeer } from '../../coordinator/service/weight-relays.js';
import { manualClock } from '../cluster/helpers.js';

const HOST = '10.0.0.1';
const make = (fanout?: number) => {
  const clock = manualClock();
  return { clock, relays: new WeightRelays({ clock: clock.now, announceIntervalMs: 1000, silentAfterMs: 3000, fanout }) };
};
/** w<i> asks for version 1 with a relay address; returns the id of its source ('' = coordinator). */
const ask = (r: WeightRelays, id: string, exclude: string[] = [], o: { address?: string; seenFrom?: string; version?: number } = {}) =>
  r.resolve({ workerId: id, version: o.version ?? 1, address: o.address ?? `${id}.example:7000`, seenFrom: o.seenFrom ?? HOST, exclude }).workerId;

test('fanout 1: askers form a chain — the coordinator feeds the first, each later one the previous', () => {
  const { relays } = make();
  assert.equal(
    ['w1', 'w2', 'w3', 'w4'].map((id) => ask(relays, id)),
    ['', 'w1', 'w2', 'w3'],
  );
  assert.equal(
    [...relays.assignments(1)],
    [
      ['w1', ''],
      ['w2', 'w1'],
      ['w3', 'w2'],
      ['w4', 'w3'],
    ],
  );
});

test('fanout 2: a binary tree, breadth first', () => {
  const { relays } = make(2);
  assert.equal(
    ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'].map((id) => ask(relays, id)),
    ['', 'w1', 'w1', 'w2', 'w2', 'w3', 'w3'],
  );
});

test('the source answered carries its relay address', () => {
  const { relays } = make();
  ask(relays, 'w1');
  assert.equal(relays.resolve({ workerId: 'w2', version: 1, address: 'w2.example:7000', seenFrom: HOST, exclude: [] }), {
    workerId: 'w1',
    address: 'w1.example:7000',
  });
});

test('a worker that relays nothing (no address) receives, holds a slot, and is never named as a source', () => {
  const { relays } = make(2);
  ask(relays, 'w1');
  assert.is(ask(relays, 'w2', [], { address: '' }), 'w1');
  assert.is(ask(relays, 'w3'), 'w1', 'w1 has a second slot');
  assert.is(ask(relays, 'w4'), 'w3', 'w1 is full and w2 relays nothing');
});

test('the middle of a chain dies: its child falls back to the parent, never to its own descendants', () => {
  const { relays } = make();
  for (const id of ['w1', 'w2', 'w3', 'w4', 'w5']) ask(relays, id);
  // w3 is SIGKILLed; w4 reports it. w5 (w4's child) must not be chosen: it waits on w4.
  assert.is(ask(relays, 'w4', ['w3']), 'w2', "w2's only child was w3, which failed: its slot is free");
  assert.is(relays.assignments(1).get('w5'), 'w4', 'w5 keeps its source');
  // A later asker never gets the failed w3.
  assert.is(ask(relays, 'w6'), 'w5');
});

test('with every other source excluded or busy, the coordinator serves, whatever its load', () => {
  const { relays } = make();
  ask(relays, 'w1');
  ask(relays, 'w2');
  assert.is(ask(relays, 'w2', ['w1']), '', 'w1 failed; the coordinator already feeds w1, but it is the last resort');
  assert.is(ask(relays, 'w3', ['w2']), '', 'w2 excluded by w3, w1 failed earlier');
});

test('a source silent for silentAfterMs is skipped; announcing keeps it alive', () => {
  const { clock, relays } = make();
  ask(relays, 'w1');
  clock.advance(2500);
  relays.seen('w1', 'w1.example:7000', HOST, [{ version: 1, chunks: 5, complete: false }]);
  clock.advance(2500);
  assert.is(ask(relays, 'w2'), 'w1', 'announced 2.5 s ago: alive');
  clock.advance(3001);
  assert.is(ask(relays, 'w3'), '', 'w1 and w2 silent for more than 3 s: the coordinator');
});

test('a child that finishes frees its source for the next asker; one that gives up stops being a source', () => {
  const { relays } = make();
  ask(relays, 'w1');
  ask(relays, 'w2');
  relays.finished('w2', 1, true);
  assert.is(ask(relays, 'w3'), 'w1', "w2 is done: w1's slot is free, and w1 joined first");
  relays.finished('w3', 1, false);
  relays.finished('w1', 1, true);
  assert.is(ask(relays, 'w4'), 'w1');
  assert.is(ask(relays, 'w5'), 'w2', 'w3 gave up: not a source');
});

test('a peer that announces a version complete is a source for it without having resolved it here (a restarted coordinator)', () => {
  const { relays } = make();
  relays.seen('old', 'old.example:7000', HOST, [{ version: 7, chunks: 4, complete: true }]);
  assert.is(ask(relays, 'w1', [], { version: 7 }), 'old');
  assert.is(ask(relays, 'w2', [], { version: 8 }), '', 'another version: the coordinator');
});

test('a loopback relay address serves only askers seen from the same host', () => {
  const { relays } = make();
  ask(relays, 'a1', [], { address: '127.0.0.1:4001', seenFrom: '10.0.0.7' });
  assert.is(ask(relays, 'b1', [], { address: '127.0.0.1:4002', seenFrom: '10.0.0.8' }), '', "a1's 127.0.0.1 is not b1's");
  assert.is(ask(relays, 'a2', [], { address: '127.0.0.1:4003', seenFrom: '10.0.0.7' }), 'a1');
});

test('versions are independent, and forgotten versions start over', () => {
  const { relays } = make();
  ask(relays, 'w1', [], { version: 1 });
  assert.is(ask(relays, 'w2', [], { version: 2 }), '');
  relays.forgetBelow(2);
  assert.equal([...relays.assignments(1)], []);
  assert.equal([...relays.assignments(2)], [['w2', '']]);
});

const PEERS: [string, string][] = [
  ['ipv4:10.0.0.5:4412', '10.0.0.5'],
  ['ipv6:[::1]:4412', '::1'],
  ['ipv6:[fe80::1%eth0]:9', 'fe80::1%eth0'],
  ['127.0.0.1:80', '127.0.0.1'],
];
for (const [peer, host] of PEERS) test(`hostOfPeer(${peer}) = ${host}`, () => assert.is(hostOfPeer(peer), host));

test('silence means max(3 announce intervals, 10 s) unless given', () => {
  assert.is(new WeightRelays({ clock: () => 0, announceIntervalMs: 200 }).silentAfterMs, 10_000);
  assert.is(new WeightRelays({ clock: () => 0, announceIntervalMs: 5000 }).silentAfterMs, 15_000);
});

test('fanout must be an integer >= 1', () => {
  assert.throws(() => new WeightRelays({ clock: () => 0, announceIntervalMs: 1000, fanout: 0 }), /fanout is 0/);
});

test.run();
