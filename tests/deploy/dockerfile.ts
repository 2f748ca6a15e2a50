/**
 * A Dockerfile read as Docker reads it, for the deploy tests: instructions (comments dropped,
 * continuation lines joined), stages (`FROM … AS name`), and the problems a linter would flag
 * (unknown instruction, a stage name used twice, COPY --from a stage that comes later, a RUN
 * in shell form with an unterminated quote, JSON-form ENTRYPOINT/CMD that is not JSON).
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  readonly op: string;
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  /** `FROM <base>`: an image, or an earlier stage's name. */
  readonly base: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

const KNOWN = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** Dockerfile text → instructions (continuation lines joined, comments and blank lines dropped). */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let l = lines[i]!;
    if (/^\s*#/.test(l) || l.trim() === '') continue;
    while (/\\\s*$/.test(l) && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue; // a comment inside a continuation is dropped, as Docker does
      l = `${l.replace(/\\\s*$/, '')} ${next.trim()}`;
    }
    l = l.trim();
    const sp = l.search(/\s/);
    out.push({ op: (sp < 0 ? l : l.slice(0, sp)).toUpperCase(), args: sp < 0 ? '' : l.slice(sp + 1).trim(), line: first });
  }
  return out;
}

/** Instructions → stages; instructions before the first FROM (ARG) are dropped. */
export function stages(ins: readonly Instruction[]): Stage[] {
  const out: { base: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const i of ins) {
    if (i.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args);
      out.push({ base: m?.[1] ?? i.args, name: m?.[2], instructions: [i] });
    } else out.at(-1)?.instructions.push(i);
  }
  return out;
}

/** What a Dockerfile linter would refuse; empty = well-formed. */
export function lint(ins: readonly Instruction[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  if (ins[0]?.op !== 'FROM' && ins[0]?.op !== 'ARG') problems.push(`line ${ins[0]?.line}: the first instruction must be FROM (or ARG)`);
  for (const i of ins) {
    if (!KNOWN.has(i.op)) problems.push(`line ${i.line}: unknown instruction ${i.op}`);
    if (i.op === 'FROM') {
      const name = /\s+AS\s+(\S+)$/i.exec(i.args)?.[1];
      if (name !== undefined) {
        if (seen.has(name)) problems.push(`line ${i.line}: stage ${name} defined twice`);
        seen.add(name);
      }
      const base = i.args.split(/\s+/)[0]!;
      if (!seen.has(base) && !/:[\w.-]+$/.test(base) && !base.includes('@sha256:')) problems.push(`line ${i.line}: FROM ${base} has no tag: pin one`);
    }
    if (i.op === 'COPY' || i.op === 'ADD') {
      const from = /--from=(\S+)/.exec(i.args)?.[1];
      if (from !== undefined && !seen.has(from) && !/[:/]/.test(from)) problems.push(`line ${i.line}: COPY --from=${from} names no earlier stage`);
      if (i.args.replace(/--\S+/g, '').trim().split(/\s+/).length < 2) problems.push(`line ${i.line}: ${i.op} needs a source and a destination`);
    }
    if ((i.op === 'ENTRYPOINT' || i.op === 'CMD') && i.args.startsWith('[')) {
      try {
        const v: unknown = JSON.parse(i.args);
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) problems.push(`line ${i.line}: ${i.op} JSON form must be an array of strings`);
      } catch {
        problems.push(`line ${i.line}: ${i.op} [...] is not valid JSON (Docker would run it through a shell)`);
      }
    }
    if (i.op === 'RUN' && !i.args.startsWith('[')) {
      const unquoted = i.args.replace(/'[^']*'/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '');
      if (/['"]/.test(unquoted)) problems.push(`line ${i.line}: RUN has an unterminated quote`);
    }
  }
  return problems;
}
