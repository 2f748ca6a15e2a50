// Paths shared by the dataset tests (not a test file itself).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixtures = join(repoRoot, 'tests', 'fixtures', 'datasets');
/** The real data committed with the repository (data/README.md). */
export const realData = join(repoRoot, 'data');
export const nabRoot = join(realData, 'nab');
