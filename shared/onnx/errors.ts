/**
 * Errors of the ONNX engine. Each names the op, tensor or device involved and what is allowed.
 * Shape problems use the shared ShapeError; bad options use the shared ConfigError.
 */
import { AnomseerError } from '../errors.js';

/** Operand element types do not fit the op (e.g. float32 + float64, or exp of int64). */
export class DTypeError extends AnomseerError {
  constructor(message: string) {
    super('E_DTYPE', message);
  }
}

/** A gradient was asked through an op that has no VJP rule. */
export class UnsupportedOpError extends AnomseerError {
  readonly op: string;
  constructor(op: string, node: string, supported: readonly string[]) {
    super('E_UNSUPPORTED_OP', `no gradient rule for op "${op}" (node ${node}); ops with rules: ${supported.join(', ')}`);
    this.op = op;
  }
}

/** The requested execution device is not available in the installed ONNX Runtime. */
export class DeviceError extends AnomseerError {
  readonly device: string;
  constructor(device: string, message: string) {
    super('E_DEVICE', `device ${device}: ${message}`);
    this.device = device;
  }
}
