/**
 * The policy as a rollout worker runs it: one encode session and one decode-step
 * session per weight version, with that version's weights baked in as initializers
 * (a worker swaps versions by building the next pair between batches). Sampling is
 * shared/policy/sample.ts: G traces per prompt, keyed streams, grammar-constrained.
 */
import type { Rng } from '../rng.js';
import { createSession } from '../onnx/runtime.js';
import type { HostTensor, OrtSession } from '../onnx/runtime.js';
import { batchFeatures } from './features.js';
import type { PatchFeatures } from './features.js';
import type { GrammarOptions } from './grammar.js';
import type { PolicyModelConfig } from './model-config.js';
import { buildDecodeStepGraph, buildEncodeGraph, paramsFor, viewNames } from './model.js';
import { sampleGroups } from './sample.js';
import type { Sample } from './sample.js';
import type { Tokenizer } from './tokenizer.js';
import type { Grammar } from './prompt-grammar.js';

export interface RolloutPrompt {
  readonly promptId: string;
  /** Series length n (pointer decoding and grammar). */
  readonly n: number;
  readonly features: PatchFeatures;
  /** The prompt's grammar (prompt-grammar.ts grammarFor); default: the free trace grammar for n. */
  readonly grammar?: Grammar;
}

export interface RolloutOptions {
  readonly groupSize: number;
  readonly rng: Rng;
  /** Softmax temperature; `greedy` decodes the most likely allowed token instead. */
  readonly temperature?: number;
  readonly greedy?: boolean;
  readonly grammar?: GrammarOptions;
  /** Prompts per decode batch (bounds memory; default 32). */
  readonly batchPrompts?: number;
}

/** A temperature this small turns the masked softmax into an argmax (ties are measure-zero). */
const GREEDY_TEMPERATURE = 1e-6;

export interface RolloutSessionOptions {
  readonly device?: string;
  readonly threads?: number;
  /**
   * The decode loop: 'buffer' (default) keeps the KV cache in host buffers the step graph
   * reads in place and drops finished rows from the batch; 'grow' is the earlier loop (the
   * cache grown by Concat and copied out and back every step, every row stepped until the
   * last finishes), kept for bench/rollout-decoding.ts. Same draws.
   */
  readonly kvCache?: 'buffer' | 'grow';
}

export class RolloutPolicy {
  /** Buffered step sessions by group size (built on first use from a copy of the weights). */
  private readonly grouped = new Map<number, Promise<OrtSession>>();

  private constructor(
    readonly cfg: PolicyModelConfig,
    readonly tokenizer: Tokenizer,
    readonly weightVersion: number,
    private readonly encode: OrtSession,
    private readonly step: OrtSession | undefined,
    private readonly kvCache: 'buffer' | 'grow',
    private readonly stepParams: Record<string, Float32Array>,
    private readonly sessionOpts: { device: string; threads: number },
  ) {}

  /** Builds the sessions for `params` at `weightVersion` (device 'cpu' or 'cuda:N'). */
  static async create(
    cfg: PolicyModelConfig,
    tokenizer: Tokenizer,
    params: Readonly<Record<string, Float32Array>>,
    weightVersion: number,
    opts: RolloutSessionOptions = {},
  ): Promise<RolloutPolicy> {
    const kvCache = opts.kvCache ?? 'buffer';
    const e = buildEncodeGraph(cfg, { views: true });
    const s = buildDecodeStepGraph(cfg, { input: 'views', cache: kvCache });
    const sessionOpts = { device: opts.device ?? 'cpu', threads: opts.threads ?? 1 };
    // the buffered step graph depends on the group size, known per sample() call: keep this
    // version's weights (a copy: the trainer updates its arrays in place) to build it then
    const stepParams = Object.fromEntries(Object.entries(paramsFor(s, params)).map(([k, v]) => [k, v.slice()]));
    const [enc, step] = await Promise.all([
      createSession(e.toModel({ bakedParams: paramsFor(e, params) }), sessionOpts),
      kvCache === 'grow' ? createSession(s.toModel({ bakedParams: stepParams }), sessionOpts) : undefined,
    ]);
    return new RolloutPolicy(cfg, tokenizer, weightVersion, enc, step, kvCache, stepParams, sessionOpts);
  }

  /** The step session: the growing-cache graph, or the buffered graph grouped by G rows per prompt. */
  private stepFor(G: number): Promise<OrtSession> {
    if (this.step !== undefined) return Promise.resolve(this.step);
    let s = this.grouped.get(G);
    if (s === undefined) {
      const g = buildDecodeStepGraph(this.cfg, { input: 'views', cache: 'buffer', group: G });
      s = createSession(g.toModel({ bakedParams: paramsFor(g, this.stepParams) }), this.sessionOpts);
      this.grouped.set(G, s);
    }
    return s;
  }

  /** G samples per prompt, result[p][i]; prompts are decoded in batches of `batchPrompts`. */
  async sample(prompts: readonly RolloutPrompt[], opts: RolloutOptions): Promise<Sample[][]> {
    const per = opts.batchPrompts ?? 32;
    const out: Sample[][] = [];
    for (let i = 0; i < prompts.length; i += per) {
      const chunk = prompts.slice(i, i + per);
      const encoded = await this.encode.run({ features: batchFeatures(chunk.map((p) => p.features)) });
      const promptFeeds: Record<string, HostTensor> = Object.fromEntries(viewNames(this.cfg).map((n) => [n, encoded[n]]));
      const step = await this.stepFor(Number.isInteger(opts.groupSize) && opts.groupSize >= 1 ? opts.groupSize : 1); // a bad groupSize is sampleGroups' ConfigError
      const groups = await sampleGroups({
        cfg: this.cfg,
        tokenizer: this.tokenizer,
        step: (f, fetches) => step.run(f, fetches),
        kvCache: this.kvCache,
        groupedViews: this.kvCache === 'buffer',
        promptFeeds,
        prompts: chunk.map((p) => ({ promptId: p.promptId, n: p.n, ...(p.grammar === undefined ? {} : { grammar: p.grammar }) })),
        groupSize: opts.groupSize,
        weightVersion: this.weightVersion,
        rng: opts.rng,
        temperature: opts.greedy === true ? GREEDY_TEMPERATURE : opts.temperature,
        grammar: opts.grammar,
      });
      out.push(...groups);
    }
    return out;
  }

  async dispose(): Promise<void> {
    const steps = [...(await Promise.all(this.grouped.values())), ...(this.step === undefined ? [] : [this.step])];
    await Promise.all([this.encode.dispose(), ...steps.map((s) => s.dispose())]);
  }
}
