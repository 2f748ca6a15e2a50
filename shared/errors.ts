/**
 * Error classes shared by every process. Each names one condition, carries
 * typed fields, and has a message that says what was wrong and what to do.
 * Servers map them to gRPC status codes in one table (coordinator side);
 * the CLI prints `message` without a stack trace.
 */
export class AnomseerError extends Error {
  /** Stable machine-readable code, e.g. `E_CONFIG`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A config file, flag or environment value is missing, unknown or out of range. */
export class ConfigError extends AnomseerError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('E_CONFIG', `${field}: ${message}`);
    this.field = field;
  }
}

/** Input data is malformed: names the file, the 1-based line (when known) and the field. */
export class DataError extends AnomseerError {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  constructor(file: string, message: string, opts: { line?: number; field?: string } = {}) {
    const where = [file, opts.line !== undefined ? `line ${opts.line}` : undefined, opts.field !== undefined ? `field "${opts.field}"` : undefined]
      .filter((x) => x !== undefined)
      .join(', ');
    super('E_DATA', `${where}: ${message}`);
    this.file = file;
    this.line = opts.line;
    this.field = opts.field;
  }
}

/**
 * A request or wire payload from another process is malformed: names the field path
 * (`rollouts[2].token_ids[7]`) and what it must be. Servers answer INVALID_ARGUMENT; unlike a
 * ConfigError it says nothing about the receiver's own configuration.
 */
export class InvalidArgumentError extends AnomseerError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('E_INVALID_ARGUMENT', `${field}: ${message}`);
    this.field = field;
  }
}

/** A tensor, array or message has the wrong shape or size. */
export class ShapeError extends AnomseerError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

/** True for errors the CLI should print as one line (no stack trace). */
export function isUserFacing(err: unknown): err is AnomseerError {
  return err instanceof AnomseerError;
}
