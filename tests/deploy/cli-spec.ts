/**
 * What the real CLI accepts, read from `anomseer <cmd> --help` (commander's output), so the
 * deploy tests check manifests against the program, not against a copy of its flags.
 */
import { spawnSync } from 'node:child_process';

export interface CommandSpec {
  readonly name: string;
  /** Positional arguments from the usage line (`<job.yaml>`), in order. */
  readonly positionals: readonly string[];
  /** Long flag → whether it takes a value (`--listen <host:port>` yes, `--json` no). */
  readonly flags: ReadonlyMap<string, boolean>;
}

const root = new URL('../..', import.meta.url).pathname;

function help(args: string[]): string {
  const r = spawnSync(process.execPath, ['bin/anomseer.mjs', ...args, '--help'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`anomseer ${args.join(' ')} --help exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Names of the top-level commands (`help` excluded). */
export function commandNames(): string[] {
  const text = help([]);
  const section = text.slice(text.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z][\w-]*) /gm)].map((m) => m[1]!).filter((n) => n !== 'help');
}

/** Parses one command's help text; exported for its own test. */
export function parseHelp(name: string, text: string): CommandSpec {
  const usage = /^Usage: anomseer \S+ (.*)$/m.exec(text)?.[1] ?? '';
  const positionals = [...usage.matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
  const options = text.slice(text.indexOf('Options:'));
  const flags = new Map<string, boolean>();
  for (const m of options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)( [<[])?/gm)) flags.set(m[1]!, m[2] !== undefined);
  return { name, positionals, flags };
}

export function commandSpec(name: string): CommandSpec {
  return parseHelp(name, help([name]));
}

/**
 * Problems with an argv given to the image's ENTRYPOINT (`node bin/anomseer.mjs`): unknown
 * subcommand, unknown flag, a value flag without a value, wrong number of positionals.
 * Empty = the CLI would accept it.
 */
export function argvProblems(argv: readonly string[], specs: ReadonlyMap<string, CommandSpec>): string[] {
  const [cmd, ...rest] = argv;
  const spec = cmd === undefined ? undefined : specs.get(cmd);
  if (spec === undefined) return [`unknown subcommand "${cmd}" (known: ${[...specs.keys()].join(', ')})`];
  const problems: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    const [flag, inline] = a.split('=', 2) as [string, string | undefined];
    const takesValue = spec.flags.get(flag);
    if (takesValue === undefined) problems.push(`${cmd}: unknown flag ${flag}`);
    else if (takesValue && inline === undefined) {
      const v = rest[i + 1];
      if (v === undefined || v.startsWith('--')) problems.push(`${cmd}: ${flag} needs a value`);
      i++;
    }
  }
  if (positionals.length !== spec.positionals.length) {
    problems.push(
      `${cmd}: ${positionals.length} positional argument(s) [${positionals.join(' ')}], the CLI takes ${spec.positionals.length} (${spec.positionals.join(' ')})`,
    );
  }
  return problems;
}

/** The value after `flag` in argv, if any. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
}
