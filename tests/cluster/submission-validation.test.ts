// Every submission is validated at the coordinator before it reaches the learner: a table of
// malformed SubmitGroup(s) calls over real gRPC on 127.0.0.1, each with its status code and
// message; none changes the state (the leases stay live and are accepted afterwards with a valid
// group), each is counted, and the coordinator goes on serving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { chunkWeights } from '../../proto/chunks.js';
import { rpc } from '../helpers/rpc.js';
import type { CoordinatorClient, PromptLease, Rollout, SubmitGroupRequest, SubmitGroupsRequest } from '../../proto/types.js';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { createCoordinator, serveCoordinator } from '../../coordinator/service/server.js';
import { TOKEN, clients, fakeRecords, manualClock, smokeJob, validRollouts } from './helpers.js';

const job = smokeJob({ 'train.steps': '2' });
const GOOD: readonly Rollout[] = validRollouts(job, 16);
const LEN = GOOD[0]!.token_ids.length;

/** The answer of a call as the wire gives it: code and details, or the response. */
function raw<Req>(method: (req: Req, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => unknown, client: CoordinatorClient, req: Req) {
  return new Promise<{ code: number; details: string }>((resolve) => {
    method.call(client, req, (err) => resolve(err === null ? { code: 0, details: '' } : { code: err.code, details: err.details }));
  });
}

/** A copy of the good rollouts with rollout i changed by `f`. */
const withRollout = (i: number, f: (r: Rollout) => Partial<Rollout>): Rollout[] => GOOD.map((r, j) => (j === i ? { ...r, ...f(r) } : r));

type Case = readonly [name: string, change: (req: SubmitGroupRequest, other: PromptLease) => SubmitGroupRequest, code: grpc.status, message: RegExp];

const BAD: readonly Case[] = [
  [
    'a token id far outside the vocabulary',
    (r) => ({ ...r, rollouts: withRollout(2, (x) => ({ token_ids: x.token_ids.map((t, j) => (j === 3 ? 4e9 : t)) })) }),
    3,
    /^rollouts\[2\]\.token_ids\[3\]: is 4000000000; token ids are 0\.\.414/,
  ],
  [
    'a token the grammar does not allow there',
    (r) => ({ ...r, rollouts: withRollout(0, (x) => ({ token_ids: [x.token_ids[1]!, ...x.token_ids.slice(1)] })) }),
    3,
    /^rollouts\[0\]\.token_ids\[0\]: id \d+ is not allowed in phase "think-open"/,
  ],
  [
    'a trace without <eos>',
    (r) => ({ ...r, rollouts: withRollout(1, (x) => ({ token_ids: x.token_ids.slice(0, -1), logprobs: x.logprobs.slice(0, -1) })) }),
    3,
    new RegExp(`^rollouts\\[1\\]\\.token_ids: ends after ${LEN - 1} tokens without <eos>`),
  ],
  [
    'tokens after <eos>',
    (r) => ({ ...r, rollouts: withRollout(1, (x) => ({ token_ids: [...x.token_ids, 1], logprobs: [...x.logprobs, 0] })) }),
    3,
    new RegExp(`^rollouts\\[1\\]\\.token_ids\\[${LEN}\\]: follows the end of the trace`),
  ],
  ['no tokens at all', (r) => ({ ...r, rollouts: withRollout(0, () => ({ token_ids: [], logprobs: [] })) }), 3, /^rollouts\[0\]\.token_ids: is empty/],
  [
    'more tokens than the longest trace',
    (r) => ({ ...r, rollouts: withRollout(0, () => ({ token_ids: new Array(9000).fill(5), logprobs: new Array(9000).fill(0) })) }),
    3,
    /^rollouts\[0\]\.token_ids: has 9000 tokens; the longest trace of this job has 200/,
  ],
  ['a weight version never published', (r) => ({ ...r, weight_version: 999 }), 3, /^weight_version: is 999; the published versions are 1\.\.1/],
  ['weight version 0', (r) => ({ ...r, weight_version: 0 }), 3, /^weight_version: is 0; the published versions are 1\.\.1/],
  [
    "another worker's lease",
    (r, other) => ({ ...r, lease_id: other.lease_id, prompt_id: other.prompt_id }),
    3,
    /^lease_id: lease "L\d+" was handed to worker "b", not "a"/,
  ],
  ["another prompt than the lease's", (r, other) => ({ ...r, prompt_id: other.prompt_id }), 3, /^prompt_id: is "r\d"; lease "L\d+" is for prompt "r\d"/],
  ['a prompt the job does not have', (r) => ({ ...r, prompt_id: 'nope' }), 3, /^prompt_id: is "nope", not a prompt of this job/],
  ['an empty lease id', (r) => ({ ...r, lease_id: '' }), 3, /^lease_id: is empty/],
  ['a lease never issued', (r) => ({ ...r, lease_id: 'L999' }), 5, /unknown lease "L999"/],
  [
    'G − 1 rollouts',
    (r) => ({ ...r, rollouts: GOOD.slice(1).map((x, i) => ({ ...x, index: i })) }),
    3,
    /^rollouts: has 3 rollouts; the job's group size G is 4/,
  ],
  [
    'rollouts out of order',
    (r) => ({ ...r, rollouts: withRollout(1, () => ({ index: 0 })) }),
    3,
    /^rollouts\[1\]\.index: is 0; send the rollouts with index 0\.\.3 in order/,
  ],
  [
    'a NaN log-prob',
    (r) => ({ ...r, rollouts: withRollout(0, (x) => ({ logprobs: x.logprobs.map((v, j) => (j === 2 ? NaN : v)) })) }),
    3,
    /^rollouts\[0\]\.logprobs\[2\]: is NaN; expected a finite log-probability <= 0/,
  ],
  [
    'a positive log-prob',
    (r) => ({ ...r, rollouts: withRollout(3, (x) => ({ logprobs: x.logprobs.map((v, j) => (j === 0 ? 0.5 : v)) })) }),
    3,
    /^rollouts\[3\]\.logprobs\[0\]: is 0\.5; expected a finite log-probability <= 0/,
  ],
  [
    'fewer log-probs than tokens',
    (r) => ({ ...r, rollouts: withRollout(3, (x) => ({ logprobs: x.logprobs.slice(0, 2) })) }),
    3,
    new RegExp(`^rollouts\\[3\\]\\.logprobs: has 2 values for ${LEN} tokens`),
  ],
  [
    'a huge text',
    (r) => ({ ...r, rollouts: withRollout(0, () => ({ text: 'x'.repeat(300_000) })) }),
    3,
    /^rollouts\[0\]\.text: has 300000 characters; at most 262144/,
  ],
  [
    'truncated although complete',
    (r) => ({ ...r, rollouts: withRollout(2, () => ({ truncated: true })) }),
    3,
    /^rollouts\[2\]\.truncated: is true, but the trace is complete/,
  ],
];

test('malformed submissions are refused with their code and a message naming the field; nothing changes; then valid ones are accepted', async () => {
  const clock = manualClock();
  const store = new MemoryStore({ jobId: 'test' });
  const c = createCoordinator(job, { store, clock: clock.now, logger: () => {}, records: fakeRecords(6), chunkBytes: 16 });
  const srv = await serveCoordinator(c, { listen: '127.0.0.1:0', token: TOKEN, logger: () => {} });
  const { coord, weights, close } = clients(srv.address);
  try {
    await new Promise((resolve, reject) => {
      const call = weights.PublishWeights((err, res) => (err ? reject(err) : resolve(res)));
      for (const ch of chunkWeights(Buffer.from('weights v1'), { version: 1, step: 0 })) call.write(ch);
      call.end();
    });
    for (const id of ['a', 'b']) await rpc(coord, coord.RegisterWorker, { worker_id: id, host: 'h', device: 'cpu', capabilities: null });
    const mine = (await rpc(coord, coord.LeasePrompts, { worker_id: 'a', max_prompts: 2, weight_version: 1, request_id: '' })).leases;
    const [theirs] = (await rpc(coord, coord.LeasePrompts, { worker_id: 'b', max_prompts: 1, weight_version: 1, request_id: '' })).leases;
    const good = (l: PromptLease, worker = 'a'): SubmitGroupRequest => ({
      worker_id: worker,
      lease_id: l.lease_id,
      prompt_id: l.prompt_id,
      weight_version: 1,
      rollouts: [...GOOD],
      timing: null,
    });

    let invalid = 0;
    for (const [name, change, code, message] of BAD) {
      const got = await raw(coord.SubmitGroup, coord, change(good(mine[0]!), theirs!));
      assert.is(got.code, code, `${name}: code (${got.details})`);
      assert.match(got.details, message, name);
      if (code === grpc.status.INVALID_ARGUMENT) invalid += 1;
    }

    // SubmitGroups: one bad group refuses the whole call, naming it; none of the call is applied.
    const batch: SubmitGroupsRequest = {
      worker_id: 'a',
      groups: [good(mine[0]!), { ...good(mine[1]!), rollouts: withRollout(0, (x) => ({ token_ids: [99999, ...x.token_ids.slice(1)] })) }],
    };
    const refused = await raw(coord.SubmitGroups, coord, batch);
    assert.is(refused.code, grpc.status.INVALID_ARGUMENT);
    assert.match(refused.details, /^groups\[1\]\.rollouts\[0\]\.token_ids\[0\]: is 99999/);
    const tooMany = await raw(coord.SubmitGroups, coord, { worker_id: 'a', groups: new Array(257).fill(good(mine[0]!)) });
    assert.match(tooMany.details, /^groups: has 257 groups; at most 256 per call/);
    const notMine = await raw(coord.SubmitGroups, coord, { worker_id: 'a', groups: [{ ...good(mine[0]!), worker_id: 'b' }] });
    assert.match(notMine.details, /^groups\[0\]\.worker_id: is "b"; leave it empty or send "a"/);
    invalid += 3;

    // Bounded id lists: 150,000 lease ids in one heartbeat is refused, not a stack overflow.
    const ids = Array.from({ length: 150_000 }, (_, i) => `L${i}`);
    const hb = await raw(coord.Heartbeat, coord, {
      worker_id: 'a',
      state: 'WORKER_STATE_ROLLING_OUT',
      weight_version: 1,
      rollouts_per_second: 0,
      lease_ids: ids,
      sent_at_ms: 0,
      cpu_cores: 0,
      rss_bytes: 0,
    });
    assert.is(hb.code, grpc.status.INVALID_ARGUMENT);
    assert.match(hb.details, /^lease_ids: has 150000 ids; at most 10000 per call/);

    const mid = await rpc(coord, coord.GetStatus, {});
    assert.is(mid.prompts!.groups_rejected, invalid, 'every refusal counted');
    assert.is(mid.prompts!.done, 0, 'nothing accepted');
    assert.is(mid.prompts!.in_flight, 3, 'every lease is still live');
    const rejections = c.service.rejections();
    assert.is(rejections.get('rollouts.token_ids'), 7);
    assert.is(rejections.get('weight_version'), 2);
    assert.is(rejections.get('lease_id'), 2);

    // The leases stayed valid: good groups for them are accepted now.
    assert.equal(await rpc(coord, coord.SubmitGroups, { worker_id: 'a', groups: [good(mine[0]!), good(mine[1]!)] }), {
      results: [
        { accepted: true, duplicate: false },
        { accepted: true, duplicate: false },
      ],
    });
    assert.equal(await rpc(coord, coord.SubmitGroup, good(theirs!, 'b')), { accepted: true, duplicate: false });
    const end = await rpc(coord, coord.GetStatus, {});
    assert.equal([end.prompts!.done, end.prompts!.in_flight, end.prompts!.groups_rejected], [3, 0, invalid]);
    const taken = await rpc(coord, coord.TakeGroups, { learner_id: 'L', max_groups: 8, min_groups: 0, wait_ms: 0, ack_batch_id: 0 });
    assert.is(taken.groups.length, 3);
    assert.equal(taken.groups[0]!.rollouts[0]!.token_ids, GOOD[0]!.token_ids, 'the learner gets the group as submitted');
  } finally {
    close();
    await srv.close();
  }
});

test.run();
