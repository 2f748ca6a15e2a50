/**
 * The Kubernetes objects as `kubectl apply -k` would create them: each kustomization rendered by
 * kustomize itself (`kubectl kustomize`, kustomize v5 inside kubectl), so the tests check what
 * a cluster gets, not the base files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { deployDir, repoRoot } from './deploy-files.js';
import type { YamlDoc } from './deploy-files.js';

/** The namespace-level kustomization (namespace + Redis). */
export const namespaceDir = join(deployDir, 'k8s');

/** Every job overlay: deploy/k8s/jobs/<job>/. */
export function jobOverlays(): string[] {
  const jobs = join(deployDir, 'k8s', 'jobs');
  return readdirSync(jobs)
    .sort()
    .map((name) => join(jobs, name));
}

/** `kubectl kustomize <dir>`, every document parsed; `file` is its kustomization.yaml (repository-relative). */
export function render(dir: string): YamlDoc[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error !== undefined)
    throw new Error(`kubectl kustomize ${dir}: ${r.error.message} (the deploy tests render the overlays with kubectl's kustomize; install kubectl >= 1.27)`);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} exited ${r.status}: ${r.stderr}`);
  const file = join(relative(repoRoot, dir), 'kustomization.yaml');
  return parseAllDocuments(r.stdout).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return { file, value: d.toJS() };
  });
}
