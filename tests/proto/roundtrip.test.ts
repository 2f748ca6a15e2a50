// Messages survive a trip through a real grpc-js server with typed handlers: the handler sees
// what the client sent, and the client gets back what the handler answered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rpc } from '../helpers/rpc.js';
import type {
  CompletedGroup,
  HeartbeatRequest,
  HeartbeatResponse,
  LeasePromptsResponse,
  RegisterWorkerRequest,
  RegisterWorkerResponse,
  SubmitGroupRequest,
} from '../../proto/types.js';
import { coordinatorHandlers, startServer } from './helpers.js';

const register: RegisterWorkerRequest = {
  worker_id: 'w-7',
  host: 'gpu-node-3',
  device: 'cuda:1',
  capabilities: { max_prompts_in_flight: 4, max_group_size: 8, max_new_tokens: 160, memory_bytes: 24 * 2 ** 30, software_version: '0.1.0' },
};
const assignment: RegisterWorkerResponse = {
  worker_id: 'w-7',
  job_id: 'job-paper-1',
  weight_version: 12,
  heartbeat_interval_ms: 5000,
  lease_timeout_ms: 60_000,
  group_size: 8,
  max_staleness: 1,
  max_new_tokens: 160,
  coordinator_wait_ms: 300_000,
};

// G = 8 rollouts with token ids across the uint32 range and float32-exact log-probs.
const rollouts = Array.from({ length: 8 }, (_, i) => ({
  index: i,
  token_ids: Array.from({ length: 160 }, (_, t) => (t * 7919 + i) % 512).concat([0, 2 ** 32 - 1]),
  logprobs: Array.from({ length: 162 }, (_, t) => Math.fround(-Math.log1p(t + i) / 3)),
  text: `<think> Observation ${i} … </think><answer>[[${i * 10}, ${i * 10 + 5}]]</answer><class>seasonal</class>`,
  truncated: i === 7,
}));
const submit: SubmitGroupRequest = {
  worker_id: 'w-7',
  lease_id: 'lease-41',
  prompt_id: 'trend/000123',
  weight_version: 12,
  rollouts,
  timing: { started_at_ms: 1_795_000_000_000, finished_at_ms: 1_795_000_001_234, render_ms: 12, generate_ms: 1200, tokens_generated: 8 * 162 },
};

test('RegisterWorker: the handler gets the request as sent and the client the answer as sent', async () => {
  let seen: RegisterWorkerRequest | undefined;
  const s = await startServer({
    coordinator: coordinatorHandlers({
      RegisterWorker: (call, callback) => {
        seen = call.request;
        callback(null, assignment);
      },
    }),
  });
  try {
    const answer = await rpc(s.coordinator, s.coordinator.RegisterWorker, register);
    assert.equal(seen, register);
    assert.equal(answer, assignment);
    assert.is(typeof answer.weight_version, 'number', 'uint64 decodes as number (longs: Number)');
  } finally {
    await s.close();
  }
});

test('SubmitGroup: packed token ids and log-probs of all G rollouts arrive intact', async () => {
  let seen: SubmitGroupRequest | undefined;
  const s = await startServer({
    coordinator: coordinatorHandlers({
      SubmitGroup: (call, callback) => {
        seen = call.request;
        callback(null, { accepted: true, duplicate: false });
      },
    }),
  });
  try {
    const answer = await rpc(s.coordinator, s.coordinator.SubmitGroup, submit);
    assert.equal(answer, { accepted: true, duplicate: false });
    assert.equal(seen, submit);
    assert.is(seen!.rollouts[3]!.token_ids.length, 162);
  } finally {
    await s.close();
  }
});

test('log-probs travel as float32: a float64 value comes back as Math.fround(value)', async () => {
  let seen: SubmitGroupRequest | undefined;
  const s = await startServer({
    coordinator: coordinatorHandlers({
      SubmitGroup: (call, callback) => {
        seen = call.request;
        callback(null, { accepted: true, duplicate: false });
      },
    }),
  });
  try {
    const logprobs = [-0.1, -2.302585092994046, -1e-9];
    await rpc(s.coordinator, s.coordinator.SubmitGroup, { ...submit, rollouts: [{ ...rollouts[0]!, token_ids: [1, 2, 3], logprobs }] });
    assert.equal(seen!.rollouts[0]!.logprobs, logprobs.map(Math.fround));
  } finally {
    await s.close();
  }
});

test('LeasePrompts: a packed float64 series arrives bit for bit', async () => {
  const series = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.9);
  series[2] = Number.MAX_VALUE;
  series[3] = Number.MIN_VALUE; // subnormal
  series[4] = -0;
  const answer: LeasePromptsResponse = {
    leases: [
      {
        lease_id: 'lease-1',
        prompt_id: 'p-1',
        series,
        seed_key: 'job-paper-1/step-12/p-1',
        group_size: 8,
        deadline_ms: 1_795_000_060_000,
        min_weight_version: 11,
        max_new_tokens: 160,
      },
    ],
    retry_after_ms: 0,
    job_done: false,
  };
  const s = await startServer({ coordinator: coordinatorHandlers({ LeasePrompts: (_call, callback) => callback(null, answer) }) });
  try {
    const got = await rpc(s.coordinator, s.coordinator.LeasePrompts, { worker_id: 'w-7', max_prompts: 1, weight_version: 12, request_id: 'r-1' });
    assert.equal(got, answer);
    assert.ok(Buffer.from(new Float64Array(got.leases[0]!.series).buffer).equals(Buffer.from(new Float64Array(series).buffer)));
  } finally {
    await s.close();
  }
});

test('Heartbeat: enums arrive as names and a oneof command carries its discriminator', async () => {
  let seen: HeartbeatRequest | undefined;
  const reply: HeartbeatResponse = {
    commands: [
      { fetch_weights: { version: 13 }, reason: 'version 13 published' },
      { drain: {}, reason: 'scale down' },
    ],
    latest_weight_version: 13,
    lost_lease_ids: ['lease-9'],
  };
  const s = await startServer({
    coordinator: coordinatorHandlers({
      Heartbeat: (call, callback) => {
        seen = call.request;
        callback(null, reply);
      },
    }),
  });
  try {
    const hb: HeartbeatRequest = {
      worker_id: 'w-7',
      state: 'WORKER_STATE_ROLLING_OUT',
      weight_version: 12,
      rollouts_per_second: 3.25,
      lease_ids: ['lease-1', 'lease-9'],
      sent_at_ms: 1_795_000_000_000,
      cpu_cores: 1.75,
      rss_bytes: 312_475_648,
    };
    const got = await rpc(s.coordinator, s.coordinator.Heartbeat, hb);
    assert.equal(seen, hb);
    assert.equal(
      got.commands.map((c) => c.action),
      ['fetch_weights', 'drain'],
    );
    assert.equal(got.commands[0]!.fetch_weights, { version: 13 });
    assert.is(got.commands[0]!.drain, undefined, 'an unset oneof member is absent');
    assert.equal(got.lost_lease_ids, ['lease-9']);
  } finally {
    await s.close();
  }
});

test('TakeGroups: a complete group with its label reaches the learner; unset messages decode as null', async () => {
  const group: CompletedGroup = {
    prompt_id: 'seasonal/000007',
    lease_id: 'lease-41',
    worker_id: 'w-7',
    weight_version: 12,
    series: [0.5, -0.25, 1],
    seed_key: 'k',
    label: { anomaly_type: 'ANOMALY_TYPE_SEASONAL', intervals: [{ start: 1, end: 3 }] },
    rollouts: rollouts.slice(0, 2),
    timing: null,
    submitted_at_ms: 1_795_000_002_000,
    epoch: 12,
  };
  const s = await startServer({
    coordinator: coordinatorHandlers({ TakeGroups: (_call, callback) => callback(null, { batch_id: 5, groups: [group], job_done: false, weights_wanted: 3 }) }),
  });
  try {
    const got = await rpc(s.coordinator, s.coordinator.TakeGroups, { learner_id: 'learner', max_groups: 32, min_groups: 1, wait_ms: 1000, ack_batch_id: 4 });
    assert.equal(got, { batch_id: 5, groups: [group], job_done: false, weights_wanted: 3 });
  } finally {
    await s.close();
  }
});

test('an empty request decodes with defaults: zeros, empty strings, empty arrays, null messages', async () => {
  let seen: RegisterWorkerRequest | undefined;
  const s = await startServer({
    coordinator: coordinatorHandlers({
      RegisterWorker: (call, callback) => {
        seen = call.request;
        callback(null, assignment);
      },
    }),
  });
  try {
    await rpc(s.coordinator, s.coordinator.RegisterWorker, {} as RegisterWorkerRequest);
    assert.equal(seen, { worker_id: '', host: '', device: '', capabilities: null });
  } finally {
    await s.close();
  }
});

test.run();
