import type { Command } from 'commander';
import { registerDetect } from './detect.js';
import { registerTrain } from './train.js';
import { registerGenerate } from './generate.js';
import { registerEval } from './eval.js';
import { registerBaseline } from './baseline.js';
import { registerCoordinator } from './coordinator.js';
import { registerWorker } from './worker.js';
import { registerLearner } from './learner.js';
import { registerStatus } from './status.js';
import { registerScale } from './scale.js';
import { registerStop } from './stop.js';
import { registerServe } from './serve.js';
import { registerExport } from './export.js';
import { registerDashboard } from './dashboard.js';

/** Every subcommand registers itself on the program; add new ones here, one line each. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerTrain,
  registerGenerate,
  registerEval,
  registerBaseline,
  registerCoordinator,
  registerWorker,
  registerLearner,
  registerStatus,
  registerScale,
  registerStop,
  registerDetect,
  registerServe,
  registerExport,
  registerDashboard,
];
