// The ORT wrapper: device parsing, the CUDA-missing message, option and feed validation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { DeviceError, GraphBuilder } from '../../shared/onnx/index.js';
import { CUDA_INSTALL_HINT, createSession, cudaAvailable, parseDevice } from '../../shared/onnx/runtime.js';

function addModel(): Uint8Array {
  const g = new GraphBuilder({ dtype: 'float32' });
  const a = g.input('a', ['N']);
  const b = g.input('b', ['N']);
  g.output('sum', g.add(a, b));
  g.output('prod', g.mul(a, b));
  return g.toModel();
}

async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, re: RegExp) {
  try {
    await p;
  } catch (e) {
    assert.instance(e, cls);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('devices parse as cpu or cuda:N', () => {
  assert.equal(parseDevice('cpu'), { kind: 'cpu' });
  assert.equal(parseDevice('cuda:0'), { kind: 'cuda', deviceId: 0 });
  assert.equal(parseDevice('cuda:3'), { kind: 'cuda', deviceId: 3 });
  for (const bad of ['gpu', 'cuda', 'cuda:-1', 'CPU']) {
    assert.throws(
      () => parseDevice(bad),
      (e: unknown) => e instanceof ConfigError && /device: must be 'cpu' or 'cuda:N'/.test((e as Error).message),
      bad,
    );
  }
});

test('cuda:0 without the CUDA provider is a DeviceError that says how to install it', async () => {
  if (cudaAvailable()) return; // a CUDA build is installed here; nothing to check
  await rejects(
    createSession(addModel(), { device: 'cuda:0' }),
    DeviceError,
    /device cuda:0: .*ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install/,
  );
  assert.match(CUDA_INSTALL_HINT, /--device cpu/);
});

test('threads must be a non-negative integer', async () => {
  await rejects(createSession(addModel(), { threads: -1 }), ConfigError, /threads: must be an integer >= 0/);
  await rejects(createSession(addModel(), { threads: 1.5 }), ConfigError, /threads/);
});

test('a session runs with 1 or 2 threads and returns every output by default', async () => {
  for (const threads of [1, 2]) {
    const s = await createSession(addModel(), { threads });
    const r = await s.run({ a: { data: new Float32Array([1, 2]), dims: [2] }, b: { data: new Float32Array([3, 4]), dims: [2] } });
    assert.equal(Object.keys(r).sort(), ['prod', 'sum']);
    assert.equal(Array.from(r.sum.data as Float32Array), [4, 6]);
    assert.equal(Array.from(r.prod.data as Float32Array), [3, 8]);
    await s.dispose();
  }
});

test('fetches pick a subset of outputs', async () => {
  const s = await createSession(addModel());
  const r = await s.run({ a: { data: new Float32Array([1]), dims: [1] }, b: { data: new Float32Array([2]), dims: [1] } }, ['prod']);
  assert.equal(Object.keys(r), ['prod']);
});

test('unknown, missing and mis-sized feeds are refused before ORT sees them', async () => {
  const s = await createSession(addModel());
  const a = { data: new Float32Array([1, 2]), dims: [2] };
  await rejects(s.run({ a, b: a, c: a }), ConfigError, /feeds: "c" is not an input of this model; inputs: a, b/);
  await rejects(s.run({ a }), ConfigError, /feeds: missing model inputs: b/);
  await rejects(s.run({ a, b: { data: new Float32Array(3), dims: [2] } }), ShapeError, /feed b: dims \[2\] hold 2 values, data has 3/);
});

test.run();
