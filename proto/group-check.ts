/**
 * Is a submitted group one the learner can train on? The coordinator checks every SubmitGroup(s)
 * with this before the group reaches its store (docs/PROTOCOL.md "Validation"), and the learner
 * checks what TakeGroups gives it again before an update, so one malformed group can neither
 * reach nor kill the learner. A failure is an InvalidArgumentError naming the field path,
 * e.g. `rollouts[2].token_ids[7]: is 4000000000; token ids are 0..414 (…)`.
 *
 * A group of a job with group size G and series of length n is valid when
 *   - it has exactly G rollouts, with index 0..G−1 in order;
 *   - each rollout's token_ids are ids of the policy's output (0..V+P−1), at most
 *     RPC_LIMITS.maxTokensPerRollout, and replay through the policy's TraceGrammar for n: every
 *     token allowed where it stands, the trace complete (ending with <eos>, nothing after it) —
 *     or `truncated: true` with at least max_new_tokens tokens;
 *   - logprobs has one value per token, each finite and <= 0;
 *   - text has at most maxTextChars characters. The text is not compared with the tokens here
 *     (decoding costs more than the whole replay): the learner never scores a submitted text,
 *     it decodes the tokens itself (learner/remote-loop.ts), so a text that lies changes nothing.
 *
 * Replay cost: TraceGrammar.advance builds the allowed mask and a new state object per token
 * (about 1–2 µs). The checker interns states and memoizes transitions — the grammar is
 * deterministic, so a (state, token) pair it allowed once is allowed again — and a replay of a
 * seen path costs a few ns per token; every new pair still goes through the grammar itself.
 */
import type { Rollout } from './types.js';
import { RPC_LIMITS } from './options.js';
import type { RpcLimits } from './options.js';
import { InvalidArgumentError } from '../shared/errors.js';
import { grammarFor } from '../shared/policy/prompt-grammar.js';
import type { Grammar, GrammarSpec } from '../shared/policy/prompt-grammar.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';

export interface GroupCheckOptions {
  readonly tokenizer: Tokenizer;
  /** The policy spec (its trace kind and grammar budget): each prompt's grammar is grammarFor(spec, tokenizer, series). */
  readonly spec: GrammarSpec;
  /** G: rollouts per group. */
  readonly groupSize: number;
  /** The job's rollout.maxNewTokens: a truncated rollout has at least this many tokens. */
  readonly maxNewTokens: number;
  readonly limits?: RpcLimits;
}

/** The part of a group the check reads (a SubmitGroupRequest or a CompletedGroup). */
export interface GroupLike {
  readonly rollouts: readonly Rollout[];
}

interface Node {
  readonly state: unknown;
  /** next[token] = the node after token (filled as tokens are seen). */
  readonly next: (Node | undefined)[];
}

/** Most interned states per grammar before the memo starts over (bounds memory). */
const MAX_NODES = 200_000;
/** Most grammars kept (one per series length for free traces, one per prompt for faithful ones). */
const MAX_REPLAYERS = 20_000;

/** Replays token ids through one prompt's grammar, memoizing transitions. */
class Replayer {
  readonly #nodes = new Map<string, Node>();
  readonly #root: Node;

  constructor(readonly grammar: Grammar) {
    this.#root = this.#intern(this.grammar.initial());
  }

  #intern(s: unknown): Node {
    const key = this.grammar.stateKey(s);
    let node = this.#nodes.get(key);
    if (node === undefined) {
      // Start over when full: the nodes in use stay valid, only the memo is forgotten.
      if (this.#nodes.size >= MAX_NODES) this.#nodes.clear();
      node = { state: s, next: [] };
      this.#nodes.set(key, node);
    }
    return node;
  }

  /**
   * The index of the first token the grammar refuses (with the grammar's reason), or the final
   * state when every token is allowed. Tokens must already be ids of the output (0..V+P−1).
   */
  replay(ids: readonly number[]): { ok: false; bad: number; reason: string } | { ok: true; done: boolean; after: number } {
    let node = this.#root;
    for (let j = 0; j < ids.length; j++) {
      if (this.grammar.isDone(node.state)) return { ok: true, done: true, after: j };
      const t = ids[j]!;
      let nx = node.next[t];
      if (nx === undefined) {
        let s: unknown;
        try {
          s = this.grammar.advance(node.state, t);
        } catch (err) {
          return {
            ok: false,
            bad: j,
            reason: `id ${t} is not allowed in phase "${(node.state as { phase?: string }).phase}" of the trace grammar (${(err as Error).message.replace(/^.*?: /, '')})`,
          };
        }
        nx = this.#intern(s);
        node.next[t] = nx;
      }
      node = nx;
    }
    return { ok: true, done: this.grammar.isDone(node.state), after: ids.length };
  }
}

export class GroupChecker {
  readonly #o: GroupCheckOptions;
  readonly #limits: RpcLimits;
  readonly #replayers = new Map<string, Replayer>();

  constructor(o: GroupCheckOptions) {
    this.#o = o;
    this.#limits = o.limits ?? RPC_LIMITS;
  }

  /** The replayer of a prompt: keyed by series length (free traces) or by prompt (faithful ones). */
  #replayer(promptKey: string, series: Float64Array): Replayer {
    const key = this.#o.spec.trace === 'faithful' ? `p:${promptKey}` : `n:${series.length}`;
    let r = this.#replayers.get(key);
    if (r === undefined) {
      if (this.#replayers.size >= MAX_REPLAYERS) this.#replayers.clear();
      r = new Replayer(grammarFor(this.#o.spec, this.#o.tokenizer, series));
      this.#replayers.set(key, r);
    }
    return r;
  }

  /**
   * Throws InvalidArgumentError naming `${path}rollouts[i].<field>` for the first problem of a
   * group for the prompt `promptKey` whose series (as leased) is `series`; returns the group's
   * total token count when it is valid.
   */
  check(group: GroupLike, promptKey: string, series: Float64Array, path = ''): number {
    const G = this.#o.groupSize;
    const rollouts = group.rollouts;
    if (rollouts.length !== G) throw new InvalidArgumentError(`${path}rollouts`, `has ${rollouts.length} rollouts; the job's group size G is ${G}`);
    const V = this.#o.tokenizer.outputSize;
    const replayer = this.#replayer(promptKey, series);
    const longest = Math.min(this.#limits.maxTokensPerRollout, replayer.grammar.maxLength);
    let tokens = 0;
    for (let i = 0; i < G; i++) {
      const r = rollouts[i]!;
      const at = `${path}rollouts[${i}]`;
      if (r.index !== i) throw new InvalidArgumentError(`${at}.index`, `is ${r.index}; send the rollouts with index 0..${G - 1} in order`);
      const ids = r.token_ids;
      if (ids.length === 0) throw new InvalidArgumentError(`${at}.token_ids`, 'is empty; a rollout has at least one token');
      if (ids.length > longest) throw new InvalidArgumentError(`${at}.token_ids`, `has ${ids.length} tokens; the longest trace of this job has ${longest}`);
      if (r.logprobs.length !== ids.length)
        throw new InvalidArgumentError(`${at}.logprobs`, `has ${r.logprobs.length} values for ${ids.length} tokens; send one log-probability per token`);
      for (let j = 0; j < ids.length; j++) {
        const t = ids[j]!;
        if (!(Number.isInteger(t) && t >= 0 && t < V))
          throw new InvalidArgumentError(
            `${at}.token_ids[${j}]`,
            `is ${t}; token ids are 0..${V - 1} (vocabulary ${this.#o.tokenizer.vocab.size} + ${V - this.#o.tokenizer.vocab.size} pointer ids)`,
          );
        const lp = r.logprobs[j]!;
        if (!(Number.isFinite(lp) && lp <= 0)) throw new InvalidArgumentError(`${at}.logprobs[${j}]`, `is ${lp}; expected a finite log-probability <= 0`);
      }
      const run = replayer.replay(ids);
      if (!run.ok) throw new InvalidArgumentError(`${at}.token_ids[${run.bad}]`, run.reason);
      if (run.done && run.after < ids.length)
        throw new InvalidArgumentError(`${at}.token_ids[${run.after}]`, `follows the end of the trace (<eos> at ${run.after - 1}); send nothing after <eos>`);
      if (run.done && r.truncated) throw new InvalidArgumentError(`${at}.truncated`, 'is true, but the trace is complete (it ends with <eos>)');
      if (!run.done && !(r.truncated && ids.length >= this.#o.maxNewTokens))
        throw new InvalidArgumentError(
          `${at}.token_ids`,
          `ends after ${ids.length} tokens without <eos>; a rollout is a complete trace, or truncated: true after max_new_tokens (${this.#o.maxNewTokens})`,
        );
      if (r.text.length > this.#limits.maxTextChars)
        throw new InvalidArgumentError(`${at}.text`, `has ${r.text.length} characters; at most ${this.#limits.maxTextChars}`);
      const text = replayer.grammar.render(ids);
      if (r.text !== text)
        throw new InvalidArgumentError(
          `${at}.text`,
          `is not what token_ids decode to (${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '…' : ''}); send the decoded trace`,
        );
      tokens += ids.length;
    }
    return tokens;
  }
}

/** `rollouts[2].token_ids[7]` → `rollouts.token_ids`: a bounded label for counting rejections. */
export function rejectionReason(field: string): string {
  return field.replace(/\[\d+\]/g, '').replace(/^groups\./, '');
}
