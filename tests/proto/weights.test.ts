// Weight files travel as raw bytes in chunks: streamed to workers (FetchWeights), uploaded by
// the learner (PublishWeights), announced (WatchVersions), and checked by sha256 on arrival.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { collect } from '../../proto/call.js';
import { rpc } from '../helpers/rpc.js';
import { assembleWeights, chunkWeights, describeWeights, sha256Hex } from '../../proto/chunks.js';
import { ChecksumMismatchError, NotFoundError } from '../../proto/errors.js';
import { MiB, callDeadline } from '../../proto/options.js';
import { fromStatus, toStatus } from '../../proto/status.js';
import type { WeightChunk, WeightVersion } from '../../proto/types.js';
import { ShapeError } from '../../shared/errors.js';
import { EVENT_LIMIT_MS } from '../helpers/wait.js';
import { rejection, startServer, weightsHandlers } from './helpers.js';

/** 5 MB of deterministic, non-repeating bytes. */
function file(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; off += 32, i += 1) createHash('sha256').update(String(i)).digest().copy(out, off);
  return out;
}
const FIVE_MB = file(5_000_000);

test('chunkWeights splits 5 MB into five 1 MiB-or-less chunks with offsets and the file sha256', () => {
  const chunks = [...chunkWeights(FIVE_MB, { version: 3, step: 40 })];
  assert.equal(
    chunks.map((c) => c.data.length),
    [MiB, MiB, MiB, MiB, 5_000_000 - 4 * MiB],
  );
  assert.equal(
    chunks.map((c) => c.offset),
    [0, MiB, 2 * MiB, 3 * MiB, 4 * MiB],
  );
  assert.ok(chunks.every((c) => c.total === 5 && c.version === 3 && c.step === 40 && c.total_bytes === 5_000_000 && c.sha256 === sha256Hex(FIVE_MB)));
  assert.equal(describeWeights(FIVE_MB, { version: 3, step: 40 }).chunk_count, 5);
});

test('FetchWeights streams a 5 MB file in 1 MiB chunks; the client reassembles it and the sha256 matches', async () => {
  const s = await startServer({
    weights: weightsHandlers({
      FetchWeights: (call) => {
        for (const chunk of chunkWeights(FIVE_MB, { version: call.request.version, step: 40, startIndex: call.request.start_index })) call.write(chunk);
        call.end();
      },
    }),
  });
  try {
    const chunks = await collect(s.weights.FetchWeights({ version: 3, start_index: 0, worker_id: 'w-1' }, { deadline: callDeadline(EVENT_LIMIT_MS) }));
    assert.is(chunks.length, 5);
    assert.ok(
      chunks.every((c) => Buffer.isBuffer(c.data)),
      'bytes decode as Buffer',
    );
    const bytes = assembleWeights(chunks);
    assert.ok(bytes.equals(FIVE_MB));
    assert.is(createHash('sha256').update(bytes).digest('hex'), chunks[0]!.sha256);

    // Resume from chunk 3: only the last two arrive.
    const tail = await collect(s.weights.FetchWeights({ version: 3, start_index: 3, worker_id: 'w-1' }, { deadline: callDeadline(EVENT_LIMIT_MS) }));
    assert.equal(
      tail.map((c) => c.index),
      [3, 4],
    );
  } finally {
    await s.close();
  }
});

test('FetchWeights of an unknown version fails with NOT_FOUND, revived as NotFoundError', async () => {
  const s = await startServer({
    weights: weightsHandlers({
      FetchWeights: (call) =>
        call.emit('error', toStatus(new NotFoundError('weight version', String(call.request.version), 'the coordinator keeps the last 2 versions'))),
    }),
  });
  try {
    const err = await rejection(collect(s.weights.FetchWeights({ version: 99, start_index: 0, worker_id: '' })));
    assert.instance(err, NotFoundError);
    assert.is((err as NotFoundError).id, '99');
  } finally {
    await s.close();
  }
});

test('PublishWeights uploads chunks from the learner; the server reassembles and answers the version', async () => {
  const s = await startServer({
    weights: weightsHandlers({
      PublishWeights: (call, callback) => {
        const chunks: WeightChunk[] = [];
        call.on('data', (c: WeightChunk) => chunks.push(c));
        call.on('end', () => {
          try {
            const bytes = assembleWeights(chunks);
            callback(null, { published: describeWeights(bytes, { version: chunks[0]!.version, step: chunks[0]!.step, publishedAtMs: 1_795_000_000_000 }) });
          } catch (err) {
            callback(toStatus(err));
          }
        });
      },
    }),
  });
  try {
    const upload = (chunks: Iterable<WeightChunk>) =>
      new Promise<WeightVersion | null>((resolve, reject) => {
        const call = s.weights.PublishWeights({ deadline: callDeadline(EVENT_LIMIT_MS) }, (err, res) => (err ? reject(err) : resolve(res!.published)));
        for (const c of chunks) call.write(c);
        call.end();
      });
    const published = await upload(chunkWeights(FIVE_MB, { version: 4, step: 41 }));
    assert.equal(published, {
      version: 4,
      step: 41,
      sha256: sha256Hex(FIVE_MB),
      total_bytes: 5_000_000,
      chunk_count: 5,
      chunk_bytes: MiB,
      published_at_ms: 1_795_000_000_000,
      encoding: '',
      wire_sha256: sha256Hex(FIVE_MB),
      wire_bytes: 5_000_000,
    });

    // One flipped byte: DATA_LOSS, and the server stays up.
    const corrupt = [...chunkWeights(FIVE_MB, { version: 5, step: 42 })].map((c) => ({ ...c, data: Buffer.from(c.data) }));
    corrupt[2]!.data[100] ^= 0xff;
    const err = (await rejection(upload(corrupt))) as grpc.ServiceError;
    assert.is(err.code, grpc.status.DATA_LOSS);
    assert.match(err.details, 'sha256 is');
    assert.instance(fromStatus(err), ChecksumMismatchError);
  } finally {
    await s.close();
  }
});

test('WatchVersions announces each new version to a watching worker', async () => {
  const s = await startServer({
    weights: weightsHandlers({
      WatchVersions: (call) => {
        for (let v = call.request.after_version + 1; v <= 3; v += 1) call.write(describeWeights(Buffer.from([v]), { version: v, step: v * 10 }));
        call.end();
      },
    }),
  });
  try {
    const seen = await collect(s.weights.WatchVersions({ worker_id: 'w-1', after_version: 1 }));
    assert.equal(
      seen.map((v) => [v.version, v.step]),
      [
        [2, 20],
        [3, 30],
      ],
    );
    const latest = describeWeights(Buffer.from([3]), { version: 3, step: 30 });
    assert.is(seen[1]!.sha256, latest.sha256);
  } finally {
    await s.close();
  }
});

test('GetVersion answers version 0 before anything is published', async () => {
  const none: WeightVersion = {
    version: 0,
    step: 0,
    sha256: '',
    total_bytes: 0,
    chunk_count: 0,
    chunk_bytes: 0,
    published_at_ms: 0,
    encoding: '',
    wire_sha256: '',
    wire_bytes: 0,
  };
  const s = await startServer({ weights: weightsHandlers({ GetVersion: (_call, callback) => callback(null, none) }) });
  try {
    assert.equal(await rpc(s.weights, s.weights.GetVersion, {}), none);
  } finally {
    await s.close();
  }
});

// assembleWeights refuses anything but the complete, ordered, intact file.
const good = () => [...chunkWeights(file(3000), { version: 1, step: 1, chunkBytes: 1024 })];
const CASES: [string, () => WeightChunk[], new (...a: never[]) => Error, string][] = [
  ['no chunks', () => [], ShapeError, 'no weight chunks'],
  ['a missing chunk', () => good().slice(0, 2), ShapeError, 'received 2 weight chunks; version 1 has 3'],
  [
    'chunks out of order',
    () => {
      const c = good();
      return [c[1]!, c[0]!, c[2]!];
    },
    ShapeError,
    'has index 1; chunks must arrive in order',
  ],
  [
    'a chunk of another version',
    () => {
      const c = good();
      c[1] = { ...c[1]!, version: 2 };
      return c;
    },
    ShapeError,
    'belongs to version 2',
  ],
  [
    'a short chunk',
    () => {
      const c = good();
      c[2] = { ...c[2]!, data: c[2]!.data.subarray(1) };
      return c;
    },
    ShapeError,
    'hold 2999 bytes; version 1 has 3000',
  ],
  [
    'a flipped byte',
    () => {
      const c = good();
      const d = Buffer.from(c[0]!.data);
      d[0] ^= 1;
      c[0] = { ...c[0]!, data: d };
      return c;
    },
    ChecksumMismatchError,
    'fetch the version again',
  ],
];
for (const [name, chunks, cls, message] of CASES) {
  test(`assembleWeights rejects ${name}`, () => {
    try {
      assembleWeights(chunks());
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, cls);
      assert.match((err as Error).message, message);
    }
  });
}

test('an empty file is one empty chunk and reassembles', () => {
  const chunks = [...chunkWeights(Buffer.alloc(0), { version: 1, step: 0 })];
  assert.is(chunks.length, 1);
  assert.is(assembleWeights(chunks).length, 0);
});

test.run();
