// The AnomLLM protocol splits stay bit-for-bit what they were before the broader
// generator (shared/synth) was added: the sha256 of the JSONL bytes of the full
// default splits (8 tasks × 400 series × 1000 points) is pinned.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { formatJsonl } from '../../shared/datasets/jsonl.js';
import { loadDataSpecSync } from '../../shared/datasets/spec.js';
import { ANOMLLM_TASKS, categoryOf } from '../../shared/series/labels.js';
import { recordCategory } from '../../shared/eval/score.js';

// Golden values. Computed on main at commit 703a015 (before any synth change) with
//   sha256(formatJsonl(loadDataSpecSync('anomllm:train')))   and the same for 'anomllm:eval',
// and cross-checked there with
//   node bin/anomseer.mjs generate --task all --split train --out train.jsonl && sha256sum train.jsonl
// (and --split eval): both gave these hashes (63,656,541 and 63,656,429 bytes).
// Update them only when the protocol is changed on purpose.
const GOLDEN = {
  'anomllm:train': { sha256: 'a53c83ba94db72c453b0a74b646e222c0b19fbe7c381fab0fbda234a9f4a87e6', bytes: 63_656_541 },
  'anomllm:eval': { sha256: 'd37aeedb1075dbbd2f476275cd900d82fa53340f8598f8bf211a53e763828268', bytes: 63_656_429 },
} as const;

for (const [spec, want] of Object.entries(GOLDEN)) {
  test(`${spec}: the JSONL bytes of all 8 tasks × 400 series hash to the golden value`, () => {
    const records = loadDataSpecSync(spec);
    assert.is(records.length, 8 * 400);
    const text = formatJsonl(records);
    assert.is(Buffer.byteLength(text, 'utf8'), want.bytes);
    assert.is(createHash('sha256').update(text).digest('hex'), want.sha256);
  });
}

// docs/METHOD.md §7: noisy-* and flat-* count towards their base category.
const PROTOCOL_CATEGORY: Record<string, string> = {
  range: 'range',
  point: 'point',
  freq: 'freq',
  trend: 'trend',
  'flat-trend': 'trend',
  'noisy-point': 'point',
  'noisy-freq': 'freq',
  'noisy-trend': 'trend',
  shapelet: 'shapelet',
};

test('every protocol task keeps its table category, by task and by record', () => {
  assert.equal(Object.keys(PROTOCOL_CATEGORY), [...ANOMLLM_TASKS, 'shapelet']);
  for (const [task, category] of Object.entries(PROTOCOL_CATEGORY)) {
    assert.is(categoryOf(task), category, task);
    assert.is(recordCategory({ task, type: 'normal' }), category, task);
  }
});

test.run();
