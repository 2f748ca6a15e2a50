// Shared fixtures for the policy tests: a small phrase list, a vocabulary and a tokenizer.
import { Rng } from '../../shared/rng.js';
import { ANOMALY_TYPES } from '../../shared/series/labels.js';
import type { Interval } from '../../shared/series/record.js';
import { formatTrace } from '../../shared/trace/format.js';
import { Tokenizer } from '../../shared/policy/tokenizer.js';
import { buildVocab } from '../../shared/policy/vocab.js';

/** Stand-in phrases in the ExpCoT style (placeholders in braces are skipped). */
export const TEST_PHRASES = [
  'Observation: the series has mean {mean} and std {std}; the largest |z| is {z} at index {i}.',
  'The smoothed gradient stays near {g}, so the trend is stable.',
  'The dominant period is {p} samples (frequency {f}).',
  'Reasoning & Validation: a local break appears in [{s}, {e}].',
  'Conclusion: the anomaly is a {type} anomaly at {intervals}.',
  'No anomaly is found; the series looks normal.',
];

export const vocab = buildVocab({ phrases: TEST_PHRASES });
export const tokenizer = new Tokenizer(vocab);

const WORDS = [
  'the',
  'series',
  'mean',
  'std',
  'gradient',
  'trend',
  'is',
  'a',
  'at',
  'index',
  'period',
  'Observation:',
  'Conclusion:',
  'normal',
  'global point',
];
const PUNCT = ['.', ',', ';', '(', ')', ':', '|', '-', '[', ']'];

/** A random think text over the test vocabulary, with numbers. */
export function randomThink(rng: Rng, words = 30): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    const r = rng.uniform();
    if (r < 0.55) parts.push(WORDS[Math.floor(rng.uniform() * WORDS.length)]);
    else if (r < 0.8) parts.push((rng.normal() * 100).toFixed(Math.floor(rng.uniform() * 3)));
    else parts.push(PUNCT[Math.floor(rng.uniform() * PUNCT.length)]);
  }
  let out = parts.join(' ');
  if (rng.uniform() < 0.3) out = out.replace(/ /, '  ').replace(/ \./g, '.');
  return out;
}

/** Sorted, disjoint (maybe touching) intervals inside [0, n). */
export function randomIntervals(rng: Rng, n: number, max = 5): Interval[] {
  const out: Interval[] = [];
  let at = 0;
  const count = Math.floor(rng.uniform() * (max + 1));
  for (let i = 0; i < count && at < n; i++) {
    const s = at + Math.floor(rng.uniform() * Math.min(n - at, n / 4));
    if (s >= n) break;
    const e = s + 1 + Math.floor(rng.uniform() * Math.min(n - s - 1, n / 8));
    out.push([s, Math.min(e, n)]);
    at = Math.min(e, n) + (rng.uniform() < 0.2 ? 0 : 1);
  }
  return out;
}

export function randomTrace(rng: Rng, n: number): string {
  const type = ANOMALY_TYPES[Math.floor(rng.uniform() * ANOMALY_TYPES.length)];
  return formatTrace({ think: randomThink(rng), intervals: randomIntervals(rng, n), type });
}
