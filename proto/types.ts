/**
 * TypeScript shapes of every message, enum and service in proto/anomseer.proto, as the loader
 * of proto/load.ts produces and accepts them:
 *
 * - field names are the proto names (snake_case, `keepCase: true`);
 * - 64-bit integers are `number` (`longs: Number`; every one is a count, a version or a
 *   millisecond time, all far below 2^53);
 * - `bytes` are `Buffer`; enums are the value names as strings;
 * - a singular message field is `T | null` (null when unset); a repeated field is a plain
 *   array (typed arrays are refused by the serializer: pass `Array.from(f64)`);
 * - a oneof adds a discriminator (`action` of WorkerCommand) naming the member that is set;
 *   members and discriminator are optional because only the chosen member travels.
 *
 * Each message interface has exactly the fields of its proto message:
 * tests/proto/types.test.ts reads this file with the TypeScript parser and compares every
 * interface with the loaded descriptor (names and types), so the two cannot drift.
 * Units are documented on the proto fields; they are repeated here only where they help.
 */
import type * as grpc from '@grpc/grpc-js';

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

export type WorkerState =
  | 'WORKER_STATE_UNSPECIFIED'
  | 'WORKER_STATE_STARTING'
  | 'WORKER_STATE_IDLE'
  | 'WORKER_STATE_ROLLING_OUT'
  | 'WORKER_STATE_FETCHING_WEIGHTS'
  | 'WORKER_STATE_DRAINING'
  | 'WORKER_STATE_STOPPED';

export type ReleaseReason =
  'RELEASE_REASON_UNSPECIFIED' | 'RELEASE_REASON_SHUTDOWN' | 'RELEASE_REASON_DRAIN' | 'RELEASE_REASON_ERROR' | 'RELEASE_REASON_STALE_WEIGHTS';

export type AnomalyType =
  | 'ANOMALY_TYPE_UNSPECIFIED'
  | 'ANOMALY_TYPE_NORMAL'
  | 'ANOMALY_TYPE_CONTEXTUAL_POINT'
  | 'ANOMALY_TYPE_GLOBAL_POINT'
  | 'ANOMALY_TYPE_SEASONAL'
  | 'ANOMALY_TYPE_TREND'
  | 'ANOMALY_TYPE_SHAPELET';

// ---------------------------------------------------------------------------------------------
// Coordinator: RegisterWorker, Heartbeat
// ---------------------------------------------------------------------------------------------

export interface WorkerCapabilities {
  max_prompts_in_flight: number;
  max_group_size: number;
  /** Tokens. */
  max_new_tokens: number;
  /** Bytes; 0 = unknown. */
  memory_bytes: number;
  software_version: string;
}

export interface RegisterWorkerRequest {
  /** Empty lets the coordinator pick one. */
  worker_id: string;
  host: string;
  /** "cpu", "cuda:0", ... */
  device: string;
  capabilities: WorkerCapabilities | null;
}

export interface RegisterWorkerResponse {
  worker_id: string;
  job_id: string;
  weight_version: number;
  heartbeat_interval_ms: number;
  lease_timeout_ms: number;
  group_size: number;
  max_staleness: number;
  max_new_tokens: number;
  /** Wait this long for an unreachable coordinator, then stop, ms (0 = the worker's default). */
  coordinator_wait_ms: number;
}

export interface HeartbeatRequest {
  worker_id: string;
  state: WorkerState;
  weight_version: number;
  rollouts_per_second: number;
  /** Leases held; listing one renews it. */
  lease_ids: string[];
  /** Worker clock, ms since epoch. */
  sent_at_ms: number;
  /** CPU seconds per wall second of the worker process over the last interval (1 = one core). */
  cpu_cores: number;
  /** Resident memory of the worker process, bytes (0 = not reported). */
  rss_bytes: number;
}

export interface DrainCommand {}

export interface StopCommand {
  grace_ms: number;
}

export interface FetchWeightsCommand {
  version: number;
}

export interface WorkerCommand {
  drain?: DrainCommand | null;
  stop?: StopCommand | null;
  fetch_weights?: FetchWeightsCommand | null;
  /** Which member of the `action` oneof is set (filled in on receipt). */
  action?: 'drain' | 'stop' | 'fetch_weights';
  reason: string;
}

export interface HeartbeatResponse {
  commands: WorkerCommand[];
  latest_weight_version: number;
  lost_lease_ids: string[];
}

// ---------------------------------------------------------------------------------------------
// Coordinator: LeasePrompts, SubmitGroup, ReleaseLeases
// ---------------------------------------------------------------------------------------------

export interface LeasePromptsRequest {
  worker_id: string;
  max_prompts: number;
  weight_version: number;
  request_id: string;
}

export interface PromptLease {
  lease_id: string;
  prompt_id: string;
  /** Packed float64 values, one per time step. */
  series: number[];
  seed_key: string;
  group_size: number;
  /** Ms since epoch. */
  deadline_ms: number;
  min_weight_version: number;
  max_new_tokens: number;
}

export interface LeasePromptsResponse {
  leases: PromptLease[];
  retry_after_ms: number;
  job_done: boolean;
}

export interface Rollout {
  index: number;
  token_ids: number[];
  /** Natural-log probabilities, float32 on the wire. */
  logprobs: number[];
  text: string;
  truncated: boolean;
}

export interface RolloutTiming {
  started_at_ms: number;
  finished_at_ms: number;
  render_ms: number;
  generate_ms: number;
  tokens_generated: number;
}

export interface SubmitGroupRequest {
  worker_id: string;
  lease_id: string;
  prompt_id: string;
  weight_version: number;
  rollouts: Rollout[];
  timing: RolloutTiming | null;
}

export interface SubmitGroupResponse {
  accepted: boolean;
  duplicate: boolean;
}

export interface SubmitGroupsRequest {
  worker_id: string;
  /** At most RPC_LIMITS.maxGroupsPerCall (proto/options.ts). */
  groups: SubmitGroupRequest[];
}

export interface SubmitGroupsResponse {
  /** One per group, in the order sent. */
  results: SubmitGroupResponse[];
}

export interface ReleaseLeasesRequest {
  worker_id: string;
  lease_ids: string[];
  reason: ReleaseReason;
  detail: string;
}

export interface ReleaseLeasesResponse {
  released: number;
  unknown_lease_ids: string[];
}

// ---------------------------------------------------------------------------------------------
// Coordinator: TakeGroups (learner intake)
// ---------------------------------------------------------------------------------------------

export interface TakeGroupsRequest {
  learner_id: string;
  max_groups: number;
  min_groups: number;
  wait_ms: number;
  /** batch_id of the previous answer, 0 on the first call. */
  ack_batch_id: number;
}

/** Half-open [start, end). */
export interface Interval {
  start: number;
  end: number;
}

export interface PromptLabel {
  anomaly_type: AnomalyType;
  intervals: Interval[];
}

export interface CompletedGroup {
  prompt_id: string;
  lease_id: string;
  worker_id: string;
  weight_version: number;
  series: number[];
  seed_key: string;
  label: PromptLabel | null;
  rollouts: Rollout[];
  timing: RolloutTiming | null;
  submitted_at_ms: number;
  /** The plan step the prompt was enqueued for: the item key is `<epoch>:<prompt_id>`. */
  epoch: number;
}

export interface TakeGroupsResponse {
  batch_id: number;
  groups: CompletedGroup[];
  job_done: boolean;
  /** The latest version whose bytes the coordinator lacks (it restarted): publish it again; 0 = none. */
  weights_wanted: number;
}

// ---------------------------------------------------------------------------------------------
// Coordinator: GetStatus
// ---------------------------------------------------------------------------------------------

export interface GetStatusRequest {}

export interface WorkerStatus {
  worker_id: string;
  host: string;
  device: string;
  state: WorkerState;
  weight_version: number;
  rollouts_per_second: number;
  leases_held: number;
  groups_submitted: number;
  registered_at_ms: number;
  last_heartbeat_at_ms: number;
  /** From the worker's last heartbeat: CPU seconds per second. */
  cpu_cores: number;
  /** From the worker's last heartbeat: resident memory, bytes (0 = unknown). */
  rss_bytes: number;
}

export interface LeaseStatus {
  lease_id: string;
  prompt_id: string;
  worker_id: string;
  deadline_ms: number;
  min_weight_version: number;
}

export interface PromptCounts {
  total: number;
  done: number;
  in_flight: number;
  queued: number;
  requeued: number;
  duplicates_dropped: number;
  stale_dropped: number;
  groups_ready: number;
  /** Submissions refused as malformed since this coordinator process started. */
  groups_rejected: number;
  /** Accepted groups thrown away by learner resumes. */
  groups_discarded: number;
}

export interface Throughput {
  rollouts_per_second: number;
  groups_per_second: number;
  tokens_per_second: number;
}

export interface GetStatusResponse {
  job_id: string;
  step: number;
  weight_version: number;
  started_at_ms: number;
  now_ms: number;
  workers: WorkerStatus[];
  leases: LeaseStatus[];
  prompts: PromptCounts | null;
  throughput: Throughput | null;
  /** The state's fingerprint. */
  job_epoch: string;
  learner_epoch: number;
}

// ---------------------------------------------------------------------------------------------
// Coordinator: ClaimLearner
// ---------------------------------------------------------------------------------------------

export interface ResumePoint {
  weight_version: number;
  step: number;
  sha256: string;
  job_epoch: string;
  through_step: number;
  extra_items: string[];
  missing_items: string[];
}

export interface ClaimLearnerRequest {
  job_id: string;
  learner_id: string;
  /** null: a learner starting the job. */
  resume: ResumePoint | null;
}

export interface ClaimLearnerResponse {
  learner_epoch: number;
  job_epoch: string;
  created_at_ms: number;
  weight_version: number;
  step: number;
  reset: string;
  previous_version: number;
  groups_discarded: number;
  groups_kept: number;
}

// ---------------------------------------------------------------------------------------------
// Coordinator: ReportProgress (learner → dashboard)
// ---------------------------------------------------------------------------------------------

export interface ReportProgressRequest {
  /** Unique per learner process. */
  learner_id: string;
  /** 1, 2, 3, … per learner_id; a retry repeats it. */
  sequence: number;
  /** One TrainEvent as JSON (shared/training/progress-codec.ts); at most 1 MiB. */
  event_json: string;
}

export interface ReportProgressResponse {
  accepted: boolean;
  duplicate: boolean;
}

// ---------------------------------------------------------------------------------------------
// Coordinator: StopJob, GetJobState
// ---------------------------------------------------------------------------------------------

export interface StopJobRequest {
  reason: string;
}

export interface GetJobStateRequest {}

export interface JobState {
  job_id: string;
  /** 'running' | 'stopping' | 'stopped' | 'done' (proto comment). */
  state: string;
  stop_requested_at_ms: number;
  stop_reason: string;
  learner_told: boolean;
  workers_active: number;
  leases_held: number;
}

// ---------------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------------

export interface GetVersionRequest {}

export interface WeightVersion {
  /** 0 = nothing published yet. */
  version: number;
  step: number;
  /** Lowercase hex sha256 of the whole model.safetensors file. */
  sha256: string;
  total_bytes: number;
  chunk_count: number;
  chunk_bytes: number;
  published_at_ms: number;
  /** '' = the published file as is; 'f16' = its F32 tensors rounded to F16 on the wire. */
  encoding: string;
  /** Lowercase hex sha256 of the file FetchWeights sends (= sha256 when encoding is ''). */
  wire_sha256: string;
  /** Bytes of the file FetchWeights sends. */
  wire_bytes: number;
}

export interface FetchWeightsRequest {
  /** 0 = latest. */
  version: number;
  start_index: number;
  worker_id: string;
}

export interface WeightChunk {
  version: number;
  index: number;
  total: number;
  /** Raw bytes of the file from `offset`. */
  data: Buffer;
  /** Of the whole file, lowercase hex. */
  sha256: string;
  total_bytes: number;
  offset: number;
  step: number;
}

export interface PublishWeightsResponse {
  published: WeightVersion | null;
}

export interface WatchVersionsRequest {
  worker_id: string;
  after_version: number;
}

export interface ResolveSourceRequest {
  worker_id: string;
  /** 0 = latest. */
  version: number;
  /** This worker's PeerWeights host:port; '' = it relays nothing. */
  peer_address: string;
  exclude_worker_ids: string[];
}

export interface WeightSource {
  version: WeightVersion | null;
  /** '' = the coordinator. */
  worker_id: string;
  /** '' = the coordinator's Weights.FetchWeights. */
  address: string;
}

export interface HeldVersion {
  version: number;
  chunks: number;
  complete: boolean;
}

export interface AnnouncePeerRequest {
  worker_id: string;
  peer_address: string;
  held: HeldVersion[];
}

export interface AnnouncePeerResponse {
  announce_interval_ms: number;
}

export interface FetchedFrom {
  /** '' = the coordinator. */
  worker_id: string;
  bytes: number;
  chunks: number;
}

export interface ReportFetchRequest {
  worker_id: string;
  version: number;
  complete: boolean;
  sources: FetchedFrom[];
}

export interface ReportFetchResponse {}

// ---------------------------------------------------------------------------------------------
// Detect (anomseer serve)
// ---------------------------------------------------------------------------------------------

export interface DetectRequest {
  /** Finite values, one per time step. */
  series: number[];
  /** Empty, or one per value. */
  timestamps: string[];
  /** 'robust' (default when ''), 'minmax' or 'none'. */
  normalize: string;
  /** Points per window; 0 = 1000. */
  window: number;
  plot: boolean;
}

export interface DetectWindow {
  start: number;
  length: number;
  type: AnomalyType;
  /** Window-relative, half-open. */
  intervals: Interval[];
  text: string;
}

export interface TimeInterval {
  first: string;
  last: string;
}

export interface DetectResponse {
  type: AnomalyType;
  /** Series-relative, half-open. */
  intervals: Interval[];
  explanation: string;
  windows: DetectWindow[];
  trace: string;
  /** PNG bytes; empty unless requested. */
  plot_png: Buffer;
  time_intervals: TimeInterval[];
}

// ---------------------------------------------------------------------------------------------
// Services: server handlers
// ---------------------------------------------------------------------------------------------

/** What a coordinator passes to `addService(server, 'Coordinator', handlers)`. */
export type CoordinatorHandlers = {
  RegisterWorker: grpc.handleUnaryCall<RegisterWorkerRequest, RegisterWorkerResponse>;
  Heartbeat: grpc.handleUnaryCall<HeartbeatRequest, HeartbeatResponse>;
  LeasePrompts: grpc.handleUnaryCall<LeasePromptsRequest, LeasePromptsResponse>;
  SubmitGroup: grpc.handleUnaryCall<SubmitGroupRequest, SubmitGroupResponse>;
  SubmitGroups: grpc.handleUnaryCall<SubmitGroupsRequest, SubmitGroupsResponse>;
  ReleaseLeases: grpc.handleUnaryCall<ReleaseLeasesRequest, ReleaseLeasesResponse>;
  TakeGroups: grpc.handleUnaryCall<TakeGroupsRequest, TakeGroupsResponse>;
  GetStatus: grpc.handleUnaryCall<GetStatusRequest, GetStatusResponse>;
  ReportProgress: grpc.handleUnaryCall<ReportProgressRequest, ReportProgressResponse>;
  ClaimLearner: grpc.handleUnaryCall<ClaimLearnerRequest, ClaimLearnerResponse>;
  StopJob: grpc.handleUnaryCall<StopJobRequest, JobState>;
  GetJobState: grpc.handleUnaryCall<GetJobStateRequest, JobState>;
};

/** What a coordinator passes to `addService(server, 'Weights', handlers)`. */
export type WeightsHandlers = {
  GetVersion: grpc.handleUnaryCall<GetVersionRequest, WeightVersion>;
  FetchWeights: grpc.handleServerStreamingCall<FetchWeightsRequest, WeightChunk>;
  PublishWeights: grpc.handleClientStreamingCall<WeightChunk, PublishWeightsResponse>;
  WatchVersions: grpc.handleServerStreamingCall<WatchVersionsRequest, WeightVersion>;
  ResolveSource: grpc.handleUnaryCall<ResolveSourceRequest, WeightSource>;
  AnnouncePeer: grpc.handleUnaryCall<AnnouncePeerRequest, AnnouncePeerResponse>;
  ReportFetch: grpc.handleUnaryCall<ReportFetchRequest, ReportFetchResponse>;
};

/** What a worker passes to `addService(server, 'PeerWeights', handlers)`. */
export type PeerWeightsHandlers = {
  FetchWeights: grpc.handleServerStreamingCall<FetchWeightsRequest, WeightChunk>;
};

/** What `anomseer serve` passes to `addService(server, 'Detect', handlers)`. */
export type DetectHandlers = {
  DetectSeries: grpc.handleUnaryCall<DetectRequest, DetectResponse>;
};

// ---------------------------------------------------------------------------------------------
// Services: clients
// ---------------------------------------------------------------------------------------------

/** A unary method of a generated client, with grpc-js's four call shapes. */
export interface UnaryMethod<Req, Res> {
  (request: Req, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
  (request: Req, metadata: grpc.Metadata, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
  (request: Req, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
  (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
}

/** A server-streaming method: one request, a readable stream of answers. */
export interface ServerStreamMethod<Req, Res> {
  (request: Req, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<Res>;
  (request: Req, metadata: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<Res>;
}

/** A client-streaming method: write requests, `end()`, get one answer in the callback. */
export interface ClientStreamMethod<Req, Res> {
  (callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<Req>;
  (metadata: grpc.Metadata, callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<Req>;
  (options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<Req>;
  (metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<Req>;
}

export interface CoordinatorClient extends grpc.Client {
  RegisterWorker: UnaryMethod<RegisterWorkerRequest, RegisterWorkerResponse>;
  Heartbeat: UnaryMethod<HeartbeatRequest, HeartbeatResponse>;
  LeasePrompts: UnaryMethod<LeasePromptsRequest, LeasePromptsResponse>;
  SubmitGroup: UnaryMethod<SubmitGroupRequest, SubmitGroupResponse>;
  SubmitGroups: UnaryMethod<SubmitGroupsRequest, SubmitGroupsResponse>;
  ReleaseLeases: UnaryMethod<ReleaseLeasesRequest, ReleaseLeasesResponse>;
  TakeGroups: UnaryMethod<TakeGroupsRequest, TakeGroupsResponse>;
  GetStatus: UnaryMethod<GetStatusRequest, GetStatusResponse>;
  ReportProgress: UnaryMethod<ReportProgressRequest, ReportProgressResponse>;
  ClaimLearner: UnaryMethod<ClaimLearnerRequest, ClaimLearnerResponse>;
  StopJob: UnaryMethod<StopJobRequest, JobState>;
  GetJobState: UnaryMethod<GetJobStateRequest, JobState>;
}

export interface WeightsClient extends grpc.Client {
  GetVersion: UnaryMethod<GetVersionRequest, WeightVersion>;
  FetchWeights: ServerStreamMethod<FetchWeightsRequest, WeightChunk>;
  PublishWeights: ClientStreamMethod<WeightChunk, PublishWeightsResponse>;
  WatchVersions: ServerStreamMethod<WatchVersionsRequest, WeightVersion>;
  ResolveSource: UnaryMethod<ResolveSourceRequest, WeightSource>;
  AnnouncePeer: UnaryMethod<AnnouncePeerRequest, AnnouncePeerResponse>;
  ReportFetch: UnaryMethod<ReportFetchRequest, ReportFetchResponse>;
}

export interface PeerWeightsClient extends grpc.Client {
  FetchWeights: ServerStreamMethod<FetchWeightsRequest, WeightChunk>;
}

export interface DetectClient extends grpc.Client {
  DetectSeries: UnaryMethod<DetectRequest, DetectResponse>;
}

/** Service name → its handler table and its client, for the generic helpers of load.ts. */
export interface ServiceTypes {
  Coordinator: { handlers: CoordinatorHandlers; client: CoordinatorClient };
  Weights: { handlers: WeightsHandlers; client: WeightsClient };
  PeerWeights: { handlers: PeerWeightsHandlers; client: PeerWeightsClient };
  Detect: { handlers: DetectHandlers; client: DetectClient };
}

export type ServiceName = keyof ServiceTypes;
