/**
 * SubmitGroup and SubmitGroups: every group is validated before it reaches the store, so the
 * learner only ever gets groups it can train on (docs/PROTOCOL.md "Validation"):
 *
 *   1. the request: ids present and short, weight_version published (1..latest), prompt_id one
 *      of the job's prompts, at most RPC_LIMITS.maxGroupsPerCall groups;
 *   2. the group (proto/group-check.ts): G rollouts, token ids in the vocabulary and accepted by
 *      the policy's grammar for the prompt's series length, finite log-probs <= 0 one per token,
 *      the text the tokens decode to, sizes bounded;
 *   3. the lease (in the store, atomically with the acceptance): it exists, it was handed to the
 *      submitting worker, it is for this prompt, and the version is >= its min_weight_version.
 *
 * A refused submission (1–3 but staleness) is INVALID_ARGUMENT naming the field, counted by
 * reason (`rejections()`: GetStatus `groups_rejected`, Prometheus
 * `anomseer_coordinator_submissions_rejected_total{reason}`) and changes nothing: the lease
 * stays as it was (live until its deadline, renewable, and the worker may submit a good group
 * for it; the bundled worker releases it at once, RELEASE_REASON_ERROR, so it is requeued).
 * In SubmitGroups the first failing group answers for the call and no group of it is applied.
 */
import { GroupChecker, rejectionReason } from '../../proto/group-check.js';
import { RPC_LIMITS } from '../../proto/options.js';
import type { SubmitGroupRequest, SubmitGroupResponse, SubmitGroupsRequest, SubmitGroupsResponse } from '../../proto/types.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import type { GroupSubmission, StateStore, StoredGroup } from '../state/store.js';
import type { GroupPayload } from './learner-intake.js';

export interface SubmissionsDeps {
  readonly store: StateStore;
  readonly clock: () => number;
  readonly checker: GroupChecker;
  /** Latest published weight version. */
  readonly latest: () => number;
  /** Series length of a prompt of the job, undefined for an id the job does not have. */
  /** The series of a prompt as it is leased; undefined for an unknown prompt. */
  readonly series: (promptId: string) => Float64Array | undefined;
  /** One accepted group: its stored form and its token count. */
  readonly accepted: (group: StoredGroup, tokens: number) => void;
  readonly logger: (line: string) => void;
}

/** One log line per kind per interval at most; the rest are counted into the next line. */
const LOG_EVERY_MS = 1000;

export class Submissions {
  readonly #d: SubmissionsDeps;
  readonly #rejected = new Map<string, number>();
  readonly #lastLog = new Map<string, { at: number; quiet: number }>();

  constructor(deps: SubmissionsDeps) {
    this.#d = deps;
  }

  /** Submissions refused as malformed since start, by reason (`rollouts.token_ids`, `lease_id`, …). */
  rejections(): ReadonlyMap<string, number> {
    return this.#rejected;
  }

  rejectedTotal(): number {
    let n = 0;
    for (const v of this.#rejected.values()) n += v;
    return n;
  }

  /** Log `line` unless a line of `kind` went out within LOG_EVERY_MS (then count it). */
  log(kind: string, line: string): void {
    const now = this.#d.clock();
    const last = this.#lastLog.get(kind);
    if (last !== undefined && now - last.at < LOG_EVERY_MS) {
      last.quiet += 1;
      return;
    }
    this.#d.logger(last !== undefined && last.quiet > 0 ? `${line} (and ${last.quiet} more like it since the last such line)` : line);
    this.#lastLog.set(kind, { at: now, quiet: 0 });
  }

  #id(value: string, field: string): void {
    if (value === '') throw new InvalidArgumentError(field, 'is empty');
    if (value.length > RPC_LIMITS.maxIdChars) throw new InvalidArgumentError(field, `has ${value.length} characters; at most ${RPC_LIMITS.maxIdChars}`);
  }

  /** Checks 1 and 2 of one group; its store input and token count. */
  #validate(req: SubmitGroupRequest, workerId: string, path: string, now: number): { input: GroupSubmission; tokens: number } {
    this.#id(workerId, `${path}worker_id`);
    this.#id(req.lease_id, `${path}lease_id`);
    this.#id(req.prompt_id, `${path}prompt_id`);
    const latest = this.#d.latest();
    const v = req.weight_version;
    if (!Number.isSafeInteger(v) || v < 1 || v > latest)
      throw new InvalidArgumentError(
        `${path}weight_version`,
        latest === 0 ? `is ${v}; no version is published yet` : `is ${v}; the published versions are 1..${latest}: send the version that sampled the rollouts`,
      );
    const series = this.#d.series(req.prompt_id);
    if (series === undefined) throw new InvalidArgumentError(`${path}prompt_id`, `is "${req.prompt_id}", not a prompt of this job; send the lease's prompt_id`);
    const tokens = this.#d.checker.check(req, req.prompt_id, series, path);
    const payload: GroupPayload = { prompt_id: req.prompt_id, rollouts: req.rollouts, timing: req.timing };
    return { input: { leaseId: req.lease_id, workerId, promptId: req.prompt_id, weightVersion: v, payload, now }, tokens };
  }

  /** Count (and log, rate-limited) a refusal, then rethrow it. */
  #refused(err: unknown, workerId: string): never {
    if (err instanceof InvalidArgumentError) {
      const reason = rejectionReason(err.field);
      this.#rejected.set(reason, (this.#rejected.get(reason) ?? 0) + 1);
      this.log(`rejected:${reason}`, `coordinator: submission from worker "${workerId}" refused: ${err.message}`);
    }
    throw err;
  }

  #result(r: Awaited<ReturnType<StateStore['submitGroup']>>, tokens: number, workerId: string): SubmitGroupResponse {
    if (r.status === 'duplicate') {
      this.log('duplicate', `coordinator: duplicate group from worker "${workerId}" dropped (${r.reason})`);
      return { accepted: false, duplicate: true };
    }
    this.#d.accepted(r.group, tokens);
    return { accepted: true, duplicate: false };
  }

  async submit(req: SubmitGroupRequest): Promise<SubmitGroupResponse> {
    let tokens: number;
    let result: Awaited<ReturnType<StateStore['submitGroup']>>;
    try {
      const v = this.#validate(req, req.worker_id, '', this.#d.clock());
      tokens = v.tokens;
      result = await this.#d.store.submitGroup(v.input);
    } catch (err) {
      this.#refused(err, req.worker_id);
    }
    return this.#result(result, tokens, req.worker_id);
  }

  async submitMany(req: SubmitGroupsRequest): Promise<SubmitGroupsResponse> {
    let checked: { input: GroupSubmission; tokens: number }[];
    let results: Awaited<ReturnType<StateStore['submitGroups']>>;
    try {
      if (req.groups.length > RPC_LIMITS.maxGroupsPerCall)
        throw new InvalidArgumentError('groups', `has ${req.groups.length} groups; at most ${RPC_LIMITS.maxGroupsPerCall} per call`);
      const now = this.#d.clock();
      checked = req.groups.map((g, i) => {
        if (g.worker_id !== '' && g.worker_id !== req.worker_id)
          throw new InvalidArgumentError(`groups[${i}].worker_id`, `is "${g.worker_id}"; leave it empty or send "${req.worker_id}" (the call's worker_id)`);
        return this.#validate(g, req.worker_id, `groups[${i}].`, now);
      });
      results = await this.#d.store.submitGroups(checked.map((c) => c.input));
    } catch (err) {
      this.#refused(err, req.worker_id);
    }
    return { results: results.map((r, i) => this.#result(r, checked[i]!.tokens, req.worker_id)) };
  }
}
