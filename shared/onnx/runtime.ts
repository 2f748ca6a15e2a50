/**
 * A thin wrapper over onnxruntime-node: create a session from model bytes on a device, feed
 * host arrays with dims, get host arrays back. The only file of the engine that imports ORT.
 *
 * Threads: `threads` sets ORT's intra-op pool (default 1). One thread per session keeps
 * several sessions (or test files) on a small machine from oversubscribing its cores; a
 * learner that owns the machine should pass the core count (0 lets ORT choose).
 * Inter-op parallelism is off (sequential execution): these graphs are chains of GEMMs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { ConfigError, ShapeError } from '../errors.js';
import { dtypeOfArray } from './dtypes.js';
import type { DType, HostArray } from './dtypes.js';
import { DeviceError } from './errors.js';

/** A host tensor: flat row-major data plus its dims. */
export interface HostTensor {
  readonly data: HostArray;
  readonly dims: readonly number[];
}

export type Device = { readonly kind: 'cpu' } | { readonly kind: 'cuda'; readonly deviceId: number };

export interface SessionOptions {
  /** 'cpu' (default) or 'cuda:N'. */
  readonly device?: string;
  /** Intra-op threads; default 1; 0 = ORT's default (all cores). */
  readonly threads?: number;
  /** ORT graph optimization level; default 'all'. */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** How to get the CUDA execution provider for the installed onnxruntime-node. */
export const CUDA_INSTALL_HINT =
  'the installed onnxruntime-node has no CUDA execution provider. On a GPU node with CUDA 12 and cuDNN 9, run ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` ' +
  '(or `--onnxruntime-node-install=cuda12`), which downloads libonnxruntime_providers_cuda.so next to the CPU build; ' +
  'or use --device cpu';

const ORT_TYPE: Readonly<Record<DType, ort.Tensor.Type>> = { float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool' };

/** Parses 'cpu' or 'cuda:N' (N a non-negative integer); the one device parser (flags use it too). */
export function parseDevice(device: string, field = 'device'): Device {
  if (device === 'cpu') return { kind: 'cpu' };
  const m = /^cuda:(\d+)$/.exec(device);
  if (m !== null) return { kind: 'cuda', deviceId: Number(m[1]) };
  throw new ConfigError(field, `must be 'cpu' or 'cuda:N' (N = GPU index, e.g. cuda:0), got ${JSON.stringify(device)}`);
}

/** Path where onnxruntime-node expects its CUDA provider library on this platform. */
export function cudaProviderPath(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch, lib);
}

/** True when the CUDA provider library of onnxruntime-node is installed. */
export function cudaAvailable(): boolean {
  return existsSync(cudaProviderPath());
}

/** A loaded model. `run` validates feeds against the model's inputs before calling ORT. */
export class OrtSession {
  /** The model's input names, for the per-run feed checks (a decode loop runs thousands of times). */
  private readonly inputs: ReadonlySet<string>;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly device: Device,
  ) {
    this.inputs = new Set(session.inputNames);
  }

  static async create(model: Uint8Array, opts: SessionOptions = {}): Promise<OrtSession> {
    const deviceName = opts.device ?? 'cpu';
    const device = parseDevice(deviceName);
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 0) throw new ConfigError('threads', `must be an integer >= 0 (0 = ORT default), got ${threads}`);
    if (device.kind === 'cuda' && !cudaAvailable()) throw new DeviceError(deviceName, CUDA_INSTALL_HINT);
    const providers: ort.InferenceSession.ExecutionProviderConfig[] = device.kind === 'cuda' ? [{ name: 'cuda', deviceId: device.deviceId }, 'cpu'] : ['cpu'];
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: providers,
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: opts.optimization ?? 'all',
        logSeverityLevel: 3,
      });
      return new OrtSession(session, device);
    } catch (err) {
      if (device.kind === 'cuda') throw new DeviceError(deviceName, `ONNX Runtime could not start CUDA: ${(err as Error).message}`);
      throw err;
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the model; `fetches` defaults to every output. Outputs come back as host tensors. */
  async run(feeds: Readonly<Record<string, HostTensor>>, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (!this.inputs.has(name)) {
        throw new ConfigError('feeds', `"${name}" is not an input of this model; inputs: ${this.session.inputNames.join(', ')}`);
      }
      const size = t.dims.reduce((p, d) => p * d, 1);
      if (size !== t.data.length) throw new ShapeError(`feed ${name}: dims [${t.dims.join(', ')}] hold ${size} values, data has ${t.data.length}`);
      inputs[name] = new ort.Tensor(ORT_TYPE[dtypeOfArray(t.data)], t.data, t.dims);
    }
    if (Object.keys(inputs).length !== this.inputs.size) {
      const missing = this.session.inputNames.filter((n) => !(n in feeds));
      throw new ConfigError('feeds', `missing model inputs: ${missing.join(', ')}`);
    }
    const out = await this.session.run(inputs, fetches ?? this.session.outputNames);
    const result: Record<string, HostTensor> = {};
    for (const [name, v] of Object.entries(out)) {
      const tensor = v as ort.Tensor;
      result[name] = { data: tensor.data as HostArray, dims: tensor.dims.slice() };
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Shorthand for `OrtSession.create`. */
export function createSession(model: Uint8Array, opts: SessionOptions = {}): Promise<OrtSession> {
  return OrtSession.create(model, opts);
}
