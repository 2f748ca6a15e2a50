// Paths shared by the dataset tests (not a test file itself).
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixtures = join(repoRoot, 'tests', 'fixtures', 'datasets');
/** The read-only real data next to the repository: /work/shared/data. */
export const sharedData = resolve(repoRoot, '..', 'shared', 'data');
export const nabRoot = join(sharedData, 'nab');
