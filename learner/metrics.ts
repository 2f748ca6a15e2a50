/**
 * The learner's Prometheus series (docs/DEPLOY.md "Metrics"): training progress from the
 * loop's `onEvent` step events (steps, mean reward and its parts, KL, gradient norm, wait and
 * update time), weight broadcast time and bytes from the PublishWeights calls, and client-side
 * RPC latency and errors, both through one client interceptor next to the bearer token.
 */
import type * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WeightChunk } from '../proto/types.js';
import { createRoleRegistry } from '../telemetry/metrics-server.js';
import type { Health } from '../telemetry/metrics-server.js';
import { clientMetricsInterceptor, createRpcMetrics } from '../telemetry/rpc-metrics.js';
import type { CallObserver } from '../telemetry/rpc-metrics.js';
import type { TrainEvent } from '../shared/training/events.js';

export interface LearnerMetrics {
  readonly registry: Registry;
  /** Pass as (or chain into) the training loop's onEvent. */
  onEvent(e: TrainEvent): void;
  /** Add to the clients' interceptors. */
  readonly interceptor: grpc.Interceptor;
  /** /healthz: the last call to the coordinator got an answer (not UNAVAILABLE / UNAUTHENTICATED). */
  health(): Health;
}

/** Codes that mean "not connected": no coordinator answered, or it refused our token. */
const DISCONNECTED = new Set(['UNAVAILABLE', 'UNAUTHENTICATED', 'DEADLINE_EXCEEDED']);
/** Seconds: waiting for a step's groups and updating take seconds to many minutes. */
const STEP_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const PUBLISH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createLearnerMetrics(opts: { registry?: Registry } = {}): LearnerMetrics {
  const registry = opts.registry ?? createRoleRegistry('learner');
  const registers = [registry];
  const rpc = createRpcMetrics(registry, 'client');

  const steps = new Counter({ name: 'anomseer_learner_steps_total', help: 'TimerPO steps trained', registers });
  const step = new Gauge({ name: 'anomseer_learner_step', help: 'Last step trained', registers });
  const version = new Gauge({ name: 'anomseer_learner_weight_version', help: 'Weight version published after the last step', registers });
  const reward = new Gauge({
    name: 'anomseer_learner_reward',
    help: "Mean reward of the last step's rollouts and its parts (total = format + class + localization; grounded = the grounded reward)",
    labelNames: ['part'],
    registers,
  });
  const kl = new Gauge({ name: 'anomseer_learner_kl', help: 'KL to the reference policy at the last update', registers });
  const gradNorm = new Gauge({ name: 'anomseer_learner_grad_norm', help: 'Gradient norm of the last update', registers });
  const tokens = new Counter({ name: 'anomseer_learner_tokens_trained_total', help: 'Rollout tokens the updates trained on', registers });
  const groups = new Counter({ name: 'anomseer_learner_groups_trained_total', help: 'Groups (prompts × G rollouts) the updates trained on', registers });
  const stepSeconds = new Histogram({
    name: 'anomseer_learner_step_seconds',
    help: "Time of one step by phase: wait = taking the step's groups from the coordinator, update = TimerPO update + publish, seconds",
    labelNames: ['phase'],
    buckets: STEP_BUCKETS,
    registers,
  });
  const publishSeconds = new Histogram({
    name: 'anomseer_learner_weight_publish_seconds',
    help: 'Time to publish one weight version (PublishWeights, all chunks, until the coordinator checked it), seconds',
    buckets: PUBLISH_BUCKETS,
    registers,
  });
  const publishBytes = new Counter({ name: 'anomseer_learner_weight_publish_bytes_total', help: 'Weight file bytes published', registers });
  const published = new Counter({
    name: 'anomseer_learner_weight_publishes_total',
    help: 'Weight versions published, by result code',
    labelNames: ['code'],
    registers,
  });

  let answered = 0;
  let lastCode = '';
  const observe = (method: string): CallObserver => {
    if (method !== 'PublishWeights')
      return {
        onEnd: (code) => {
          lastCode = code;
          if (!DISCONNECTED.has(code)) answered += 1;
        },
      };
    let bytes = 0;
    return {
      onRequest: (m) => {
        bytes += (m as WeightChunk).data.length;
      },
      onEnd(code, seconds) {
        lastCode = code;
        if (!DISCONNECTED.has(code)) answered += 1;
        published.inc({ code });
        if (code !== 'OK') return;
        publishSeconds.observe(seconds);
        publishBytes.inc(bytes);
      },
    };
  };

  return {
    registry,
    interceptor: clientMetricsInterceptor(rpc, observe),
    onEvent(e) {
      if (e.kind !== 'step') return;
      const m = e.metrics;
      steps.inc();
      step.set(e.step);
      version.set(e.weightVersion);
      reward.set({ part: 'total' }, m.reward);
      reward.set({ part: 'format' }, m.rewardFormat);
      reward.set({ part: 'class' }, m.rewardClass);
      reward.set({ part: 'localization' }, m.rewardLocalization);
      reward.set({ part: 'grounded' }, m.grounded);
      kl.set(m.kl);
      gradNorm.set(m.gradNorm);
      tokens.inc(m.tokens);
      groups.inc(e.samples.length);
      stepSeconds.observe({ phase: 'wait' }, e.seconds.generate);
      stepSeconds.observe({ phase: 'update' }, e.seconds.update);
    },
    health() {
      const connected = answered > 0 && !DISCONNECTED.has(lastCode);
      return { ok: connected, checks: { connected } };
    },
  };
}
