/**
 * Static shapes with symbolic dimensions.
 *
 * A dim is a number (fixed) or a string (symbolic, e.g. 'B', 'T'). Dims derived from
 * symbolic ones get descriptive names: reshape(['B','T',8] → [-1, 8]) gives 'B*T', a slice
 * of 'T' from 1 gives 'T[1:]'. Only plain identifiers are emitted as ONNX `dim_param`s;
 * derived names are tracked here (so mismatches are caught at build time) but written as
 * unknown dims. Two different symbols never broadcast against each other: 'B' vs 'T' is a
 * ShapeError, because the builder cannot tell which axes a gradient must be summed over.
 */
import { ShapeError } from '../errors.js';

export type Dim = number | string;
export type Shape = readonly Dim[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatShape(s: Shape): string {
  return `[${s.map((d) => (typeof d === 'string' ? `'${d}'` : String(d))).join(', ')}]`;
}

/** True when every dim is a number. */
export function isStatic(s: Shape): s is readonly number[] {
  return s.every((d) => typeof d === 'number');
}

/** Product of the dims, or undefined when any is symbolic. */
export function staticSize(s: Shape): number | undefined {
  return isStatic(s) ? s.reduce((p, d) => p * d, 1) : undefined;
}

/** How a dim is written in a ValueInfoProto: number, identifier, or unknown (null). */
export function onnxDim(d: Dim): number | string | null {
  if (typeof d === 'number') return d;
  return IDENT.test(d) ? d : null;
}

/** Validates a user-given shape: non-negative integers or non-empty strings. */
export function checkShape(field: string, s: Shape): Shape {
  for (const d of s) {
    const ok = typeof d === 'number' ? Number.isInteger(d) && d >= 0 : typeof d === 'string' && d.length > 0;
    if (!ok) throw new ShapeError(`${field}: dims must be non-negative integers or symbol names, got ${formatShape(s)}`);
  }
  return s.slice();
}

/** Normalizes a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${what}: axis ${axis} is out of range for rank ${rank} (allowed ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Numpy/ONNX multidirectional broadcast of static shapes (right-aligned). */
export function broadcastShapes(what: string, ...shapes: Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let k = 0; k < rank; k++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = s[s.length - rank + k];
      if (e === undefined || e === 1) continue;
      if (d === 1) d = e;
      else if (d !== e) {
        throw new ShapeError(`${what}: shapes ${shapes.map(formatShape).join(' and ')} do not broadcast at axis ${k} (${d} vs ${e})`);
      }
    }
    out.push(d);
  }
  return out;
}

/**
 * The axes of `out` that a gradient of shape `out` must be summed over to return to `operand`:
 * leading axes `operand` lacks, and axes where `operand` has a fixed 1 but `out` does not.
 */
export function broadcastAxes(operand: Shape, out: Shape): { leading: number[]; ones: number[] } {
  const lead = out.length - operand.length;
  const leading = Array.from({ length: lead }, (_, i) => i);
  const ones: number[] = [];
  for (let k = 0; k < operand.length; k++) if (operand[k] === 1 && out[lead + k] !== 1) ones.push(lead + k);
  return { leading, ones };
}

/** A product of dims in a canonical form: numeric factor first, then sorted symbol names. */
function factor(d: Dim): { n: number; syms: string[] } {
  if (typeof d === 'number') return { n: d, syms: [] };
  const parts = d.split('*');
  let n = 1;
  const syms: string[] = [];
  for (const p of parts) {
    if (/^\d+$/.test(p)) n *= Number(p);
    else syms.push(p);
  }
  return { n, syms };
}

function product(ds: readonly Dim[]): { n: number; syms: string[] } {
  let n = 1;
  const syms: string[] = [];
  for (const d of ds) {
    const f = factor(d);
    n *= f.n;
    syms.push(...f.syms);
  }
  return { n, syms: syms.sort() };
}

function formatProduct(n: number, syms: string[]): Dim {
  if (syms.length === 0) return n;
  return n === 1 ? syms.join('*') : [String(n), ...syms].join('*');
}

/**
 * ONNX Reshape shape inference: `target` holds fixed dims, 0 (copy the input dim at that
 * position) and at most one -1 (whatever is left). Symbolic products cancel by name.
 */
export function reshapeShape(input: Shape, target: readonly number[]): Dim[] {
  const what = `reshape ${formatShape(input)} to [${target.join(', ')}]`;
  if (target.filter((d) => d === -1).length > 1) throw new ShapeError(`${what}: at most one -1 is allowed`);
  const out: Dim[] = target.map((d, i) => {
    if (!Number.isInteger(d) || d < -1) throw new ShapeError(`${what}: dims must be integers >= -1`);
    if (d !== 0) return d;
    if (i >= input.length) throw new ShapeError(`${what}: 0 at position ${i} copies a dim the input does not have`);
    return input[i];
  });
  const total = product(input);
  const known = product(out.filter((d) => d !== -1));
  const rest = total.syms.slice();
  for (const s of known.syms) {
    const at = rest.indexOf(s);
    if (at < 0) throw new ShapeError(`${what}: symbol '${s}' is not a factor of the input size`);
    rest.splice(at, 1);
  }
  const hole = out.indexOf(-1);
  if (hole < 0) {
    if (rest.length > 0 || total.n !== known.n) throw new ShapeError(`${what}: element counts differ`);
    return out;
  }
  if (known.n === 0 || total.n % known.n !== 0) throw new ShapeError(`${what}: ${total.n} is not divisible by ${known.n}`);
  out[hole] = formatProduct(total.n / known.n, rest);
  return out;
}
