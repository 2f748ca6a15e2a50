import type { Command } from 'commander';

/** Every subcommand registers itself on the program; add new ones here, one line each. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [];
