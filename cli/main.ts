/**
 * The `anomseer` command line: the front door. Each subcommand lives in its
 * own file under cli/commands and registers itself on the program; this file
 * only wires them and turns errors into one clear line and an exit code: 0 done, 2 a user
 * error (bad input, flag, file, or an answer a coordinator refused: one line on stderr), 1 an
 * internal error (with its stack trace), 130 a run stopped by Ctrl-C.
 */
import { Command, CommanderError } from 'commander';
import { isUserFacing } from '../shared/errors.js';
import { COMMANDS } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('anomseer')
    .description('Train and run time-series anomaly reasoners (TimerPO, AnomSeer).')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with 0; anything commander refuses (unknown command or flag, a
      // missing argument) is a user error like any other: 2, as below.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isUserFacing(err)) {
      process.stderr.write(`anomseer: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`anomseer: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
    // A failed command ends the process even if a connection or timer it opened is still alive
    // (a gRPC channel, a Redis client reconnecting): the line above is the last word.
    setTimeout(() => process.exit(), 2000).unref();
  }
}
