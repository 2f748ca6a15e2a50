import type { Command } from 'commander';
import { registerDetect } from './detect.js';
import { registerTrain } from './train.js';
import { registerGenerate } from './generate.js';
import { registerEval } from './eval.js';
import { registerBaseline } from './baseline.js';

/** Every subcommand registers itself on the program; add new ones here, one line each. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerTrain,
  registerGenerate,
  registerEval,
  registerBaseline,
  registerDetect,
];
