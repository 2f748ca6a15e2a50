/**
 * Group sampling for rollouts (docs/POLICY.md §sampling): G traces per prompt from the
 * decodeStep graph, one token per step for all rows at once, under the grammar mask.
 *
 * Row r = (prompt p, sample i) draws from its own stream rng.fork(`${promptId}/${weightVersion}/${i}`),
 * so which worker samples, and which other prompts share its batch, does not change the
 * draws. At each step the row's logits get the grammar's mask (forbidden ids removed) and
 * are divided by the temperature; the id is drawn from that softmax and its log-prob under
 * that same distribution is recorded (at temperature 1 exactly the learner's masked logp).
 * Finished rows keep feeding <pad> until every row is done; their outputs are ignored.
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { HostTensor } from '../onnx/runtime.js';
import { TraceGrammar } from './grammar.js';
import type { GrammarOptions } from './grammar.js';
import type { Grammar } from './prompt-grammar.js';
import type { PolicyModelConfig } from './model-config.js';
import { freshNames, pastNames, presentNames } from './model.js';
import { KvBuffer, RowTensors } from './kv-cache.js';
import type { Tokenizer } from './tokenizer.js';

/** Runs the decodeStep graph (e.g. `(f, fetches) => session.run(f, fetches)` on an OrtSession); `fetches` names the outputs needed (all when omitted). */
export type StepRunner = (feeds: Record<string, HostTensor>, fetches?: readonly string[]) => Promise<Record<string, HostTensor>>;

export interface SamplePrompt {
  readonly promptId: string;
  /** Series length n (for pointer decoding and the grammar). */
  readonly n: number;
  /** The prompt's grammar (prompt-grammar.ts grammarFor); default: the free trace grammar for n. */
  readonly grammar?: Grammar;
}

export interface SampleOptions {
  readonly cfg: PolicyModelConfig;
  readonly tokenizer: Tokenizer;
  readonly step: StepRunner;
  /**
   * Per-prompt decodeStep inputs, each with leading dim numPrompts: { memory } (P, d) for a
   * step graph built with input 'memory', or the memory views (viewNames) for 'views'.
   */
  readonly promptFeeds: Readonly<Record<string, HostTensor>>;
  readonly prompts: readonly SamplePrompt[];
  /** G, samples per prompt (paper: 5). */
  readonly groupSize: number;
  readonly weightVersion: number | string;
  /** Parent generator; each row forks its own stream from its key. */
  readonly rng: Rng;
  /** Softmax temperature (default 1). */
  readonly temperature?: number;
  readonly grammar?: GrammarOptions;
  /**
   * The step graph's cache (buildDecodeStepGraph `cache`): 'grow' (default) feeds back the
   * grown present.* tensors and steps every row until the last one finishes; 'buffer' keeps
   * the cache in host buffers the graph reads in place (kv-cache.ts) and drops each row from
   * the batch as soon as it finishes. Same draws either way.
   */
  readonly kvCache?: 'grow' | 'buffer';
  /**
   * With kvCache 'buffer': the step graph was built with `group: groupSize` (model-grouped.ts),
   * so promptFeeds are fed once per prompt instead of once per row, and rows leave the batch a
   * whole group at a time (a finished row whose group is still running feeds <pad>). The
   * samples of one prompt end within a few tokens of each other, so little is wasted.
   */
  readonly groupedViews?: boolean;
}

export interface Sample {
  readonly promptId: string;
  readonly sampleIndex: number;
  /** Sampled ids, ending with <eos> (no <bos>). */
  readonly ids: number[];
  /** Log-prob of each id under the masked, temperature-scaled distribution it was drawn from. */
  readonly logps: Float64Array;
  readonly text: string;
}

/** The stream key of one sample. */
export const sampleKey = (promptId: string, weightVersion: number | string, sampleIndex: number) => `${promptId}/${weightVersion}/${sampleIndex}`;

/** Samples G traces per prompt; result[p][i] is sample i of prompt p. */
export async function sampleGroups(o: SampleOptions): Promise<Sample[][]> {
  const { cfg, tokenizer, prompts, groupSize: G } = o;
  const temperature = o.temperature ?? 1;
  if (!(temperature > 0)) throw new ConfigError('temperature', `must be > 0, got ${temperature}`);
  if (!Number.isInteger(G) || G < 1) throw new ConfigError('groupSize', `must be an integer >= 1, got ${G}`);
  if (tokenizer.vocab.size !== cfg.vocabSize || tokenizer.numPatches !== cfg.numPatches) {
    throw new ConfigError(
      'tokenizer',
      `has V = ${tokenizer.vocab.size}, P = ${tokenizer.numPatches}; the model has vocabSize = ${cfg.vocabSize}, numPatches = ${cfg.numPatches}`,
    );
  }
  const B = prompts.length * G;
  const grammars: Grammar[] = prompts.map((p) => p.grammar ?? (new TraceGrammar(tokenizer, p.n, o.grammar) as Grammar));
  const maxSteps = Math.max(...grammars.map((g) => g.maxLength));
  if (maxSteps > cfg.maxLen)
    throw new ConfigError(
      'grammar.maxThinkTokens',
      `the longest trace (${maxSteps} tokens) exceeds model.maxLen = ${cfg.maxLen}; lower maxThinkTokens or maxIntervals`,
    );

  const rowFeeds: Record<string, HostTensor> = {};
  const grouped = o.kvCache === 'buffer' && o.groupedViews === true;
  for (const [name, t] of Object.entries(o.promptFeeds)) rowFeeds[name] = repeatRows(name, t, prompts.length, grouped ? 1 : G);
  const rngs = Array.from({ length: B }, (_, r) => o.rng.fork(sampleKey(prompts[Math.floor(r / G)].promptId, o.weightVersion, r % G)));
  const states: unknown[] = Array.from({ length: B }, (_, r) => grammars[Math.floor(r / G)].initial());
  const ids: number[][] = Array.from({ length: B }, () => []);
  const logps: number[][] = Array.from({ length: B }, () => []);
  const decode = o.kvCache === 'buffer' ? decodeDroppingRows : decodeAllRows;
  await decode({ o, grammars, rowFeeds, rngs, states, ids, logps, maxSteps, temperature, G, unit: grouped ? G : 1 });
  return prompts.map((p, pi) =>
    Array.from({ length: G }, (_, i) => {
      const r = pi * G + i;
      return { promptId: p.promptId, sampleIndex: i, ids: ids[r], logps: Float64Array.from(logps[r]), text: grammars[pi]!.render(ids[r]) };
    }),
  );
}

/** What both decode loops work on: per-row streams, grammar states and outputs (filled in place). */
interface DecodeState {
  readonly o: SampleOptions;
  readonly grammars: readonly Grammar[];
  readonly rowFeeds: Record<string, HostTensor>;
  readonly rngs: readonly Rng[];
  readonly states: unknown[];
  readonly ids: number[][];
  readonly logps: number[][];
  readonly maxSteps: number;
  readonly temperature: number;
  readonly G: number;
  /** Rows that enter and leave the batch together: G with grouped views, else 1. */
  readonly unit: number;
}

/**
 * The buffered loop: the cache lives in host buffers the step graph reads in place, the
 * first n rows of every buffer are the live ones, and a unit of rows (one row, or a prompt's
 * G rows with grouped views) that has finished is dropped by moving the last live unit into
 * its place, so each step runs only unfinished units.
 */
async function decodeDroppingRows(d: DecodeState): Promise<void> {
  const { o, grammars, rngs, states, ids, logps, G, unit: U } = d;
  const { cfg, tokenizer } = o;
  const B = states.length;
  const W = tokenizer.outputSize;
  const pad = BigInt(tokenizer.vocab.pad);
  const kv = new KvBuffer(cfg.decLayers, cfg.heads, cfg.width / cfg.heads, B, Math.min(d.maxSteps, 96), d.maxSteps);
  const views = new RowTensors(d.rowFeeds); // one row per unit's feed row: per row, or per prompt when grouped
  const rowOf = Int32Array.from({ length: B }, (_, r) => r);
  const token = new BigInt64Array(B).fill(BigInt(tokenizer.vocab.bos));
  const position = new BigInt64Array(1);
  const fetches = ['logits', ...Array.from({ length: cfg.decLayers }, (_, i) => Object.values(freshNames(i))).flat()];
  const weights = new Float64Array(W);
  const done = (r: number) => grammars[Math.floor(r / G)].isDone(states[r]);
  let n = B;
  for (let t = 0; t < d.maxSteps && n > 0; t++) {
    kv.reserve(t, n);
    position[0] = BigInt(t);
    const out = await o.step(
      { token: { data: token.subarray(0, n), dims: [n, 1] }, position: { data: position, dims: [1] }, ...views.feeds(n / U), ...kv.feeds(n) },
      fetches,
    );
    for (let i = 0; i < cfg.decLayers; i++) kv.write(i, out[freshNames(i).k].data as Float32Array, out[freshNames(i).v].data as Float32Array, n, t);
    const logits = out.logits.data as Float32Array;
    for (let j = 0; j < n; j++) {
      const r = rowOf[j];
      if (done(r)) {
        token[j] = pad; // a finished row of a group still running
        continue;
      }
      const gr = grammars[Math.floor(r / G)];
      const [id, lp] = drawMaskedAt(logits, j * W, gr.allowedView(states[r]), d.temperature, rngs[r], weights);
      ids[r].push(id);
      logps[r].push(lp);
      states[r] = gr.advance(states[r], id);
      token[j] = BigInt(id);
    }
    for (let u = n / U - 1; u >= 0; u--) {
      let finished = true;
      for (let k = 0; k < U && finished; k++) finished = done(rowOf[u * U + k]);
      if (!finished) continue;
      const last = n / U - 1;
      if (u !== last) {
        views.move(last, u);
        for (let k = 0; k < U; k++) {
          kv.move(last * U + k, u * U + k, t + 1);
          rowOf[u * U + k] = rowOf[last * U + k];
          token[u * U + k] = token[last * U + k];
        }
      }
      n -= U;
    }
  }
}

/** The growing-cache loop: every row steps until the last one finishes (finished rows feed <pad>). */
async function decodeAllRows(d: DecodeState): Promise<void> {
  const { o, grammars, rowFeeds, rngs, states, ids, logps, maxSteps, temperature, G } = d;
  const { cfg, tokenizer } = o;
  const B = states.length;
  const W = tokenizer.outputSize;
  const dh = cfg.width / cfg.heads;
  let cache: Record<string, HostTensor> = {};
  for (let i = 0; i < cfg.decLayers; i++) for (const n of Object.values(pastNames(i))) cache[n] = { data: new Float32Array(0), dims: [B, cfg.heads, 0, dh] };
  let prev = new Array<number>(B).fill(tokenizer.vocab.bos);

  for (let t = 0; t < maxSteps && states.some((s, r) => !grammars[Math.floor(r / G)].isDone(s)); t++) {
    const out = await o.step({
      token: { data: BigInt64Array.from(prev.map(BigInt)), dims: [B, 1] },
      position: { data: BigInt64Array.of(BigInt(t)), dims: [1] },
      ...rowFeeds,
      ...cache,
    });
    const logits = out.logits.data as Float32Array;
    for (let r = 0; r < B; r++) {
      const gr = grammars[Math.floor(r / G)];
      if (gr.isDone(states[r])) {
        prev[r] = tokenizer.vocab.pad;
        continue;
      }
      const [id, lp] = drawMasked(logits.subarray(r * W, (r + 1) * W), gr.allowedMask(states[r]), temperature, rngs[r]);
      ids[r].push(id);
      logps[r].push(lp);
      states[r] = gr.advance(states[r], id);
      prev[r] = id;
    }
    cache = {};
    for (let i = 0; i < cfg.decLayers; i++) {
      cache[pastNames(i).k] = out[presentNames(i).k];
      cache[pastNames(i).v] = out[presentNames(i).v];
    }
  }
}

/** Repeats each of the `count` leading rows of t G times (prompt p → rows p·G … p·G + G − 1). */
function repeatRows(name: string, t: HostTensor, count: number, G: number): HostTensor {
  if (t.dims[0] !== count || !(t.data instanceof Float32Array)) {
    throw new ConfigError(`promptFeeds.${name}`, `must be float32 with leading dim = ${count} prompts, got dims [${t.dims.join(', ')}]`);
  }
  const row = t.data.length / count;
  const out = new Float32Array(row * count * G);
  for (let r = 0; r < count * G; r++) out.set(t.data.subarray(Math.floor(r / G) * row, (Math.floor(r / G) + 1) * row), r * row);
  return { data: out, dims: [count * G, ...t.dims.slice(1)] };
}

/** Draws an allowed id from softmax(logits / temperature) restricted to mask = 1; returns [id, log-prob]. */
export function drawMasked(logits: ArrayLike<number>, mask: Uint8Array, temperature: number, rng: Rng): [number, number] {
  return drawMaskedAt(logits, 0, mask, temperature, rng, new Float64Array(mask.length));
}

/**
 * drawMasked on logits[offset … offset + mask.length) with a caller-owned scratch array
 * `w` (length mask.length, overwritten): the same arithmetic in the same order, so the same
 * draw and log-prob, without allocating per row and step.
 */
export function drawMaskedAt(
  logits: ArrayLike<number>,
  offset: number,
  mask: Readonly<Uint8Array>,
  temperature: number,
  rng: Rng,
  w: Float64Array,
): [number, number] {
  let mx = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    const x = logits[offset + i] / temperature;
    w[i] = x;
    if (mask[i] === 1 && x > mx) mx = x;
  }
  let z = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 1) z += w[i] = Math.exp(w[i] - mx);
    else w[i] = 0;
  }
  const id = rng.categorical(w);
  return [id, logits[offset + id] / temperature - mx - Math.log(z)];
}
