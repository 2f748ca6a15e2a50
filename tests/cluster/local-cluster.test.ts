// `anomseer train <job> --workers 2`: coordinator, learner and two workers as separate
// processes on loopback run the smoke job to its last step, and the accounting adds up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, startRole } from './procs.js';
import { decodeModelFile } from '../../shared/checkpoint/index.js';
import { REFERENCE_FILE } from '../../shared/policy/checkpoint.js';

/** Run `anomseer <args>` to its exit (no ANOMSEER_TOKEN: the launcher generates one). */
async function run(args: string[]): Promise<{ code: number | string; out: string }> {
  const p = startRole('train', args, { ANOMSEER_TOKEN: '' });
  const code = await p.exit();
  return { code, out: p.lines.join('\n') };
}

/** The smoke job as a local cluster (two workers, no dashboard) with `sets` as --set overrides, its run and summary in dir. */
async function runSmoke(dir: string, sets: readonly string[] = []): Promise<{ code: number | string; out: string; summaryFile: string }> {
  const summaryFile = join(dir, 'summary.json');
  const r = await run([
    'train',
    'examples/smoke.yaml',
    '--workers',
    '2',
    '--no-dashboard',
    ...sets.flatMap((x) => ['--set', x]),
    '--set',
    `outputDir=${join(dir, 'run')}`,
    '--summary',
    summaryFile,
  ]);
  return { ...r, summaryFile };
}

test.after(killAll);

test('two workers and a learner run the smoke job to step 3; every planned prompt is trained exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-cluster-'));
  try {
    const { summaryFile, ...r } = await runSmoke(dir);
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /\[coordinator\] coordinator: job smoke-\w+ listening on 127\.0\.0\.1:\d+/);
    assert.match(r.out, /\[learner\] step 3\/3 v4/);
    assert.not.match(r.out, /[0-9a-f]{64}/, 'without a dashboard link to print, the full token never appears');
    const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
    assert.is(s.steps, 3);
    assert.is(s.weightVersion, 4);
    assert.is(s.promptsTrained, 12);
    assert.is(s.workers, 2);
    assert.is(s.duplicatesDropped, 0);
    assert.is(s.cluster.groupsTrained, 12);
    assert.is(s.cluster.untrainedItems, 0);
    assert.is(s.cluster.extraGroups, 0);
    assert.is(
      Object.values(s.cluster.groupsByWorker as Record<string, number>).reduce((a, b) => a + b, 0),
      12,
    );
    assert.ok(existsSync(join(s.checkpoint, 'model.safetensors')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a faithful policy with D* and the slope-change channels trains through the cluster: workers sample it, the coordinator validates it, nothing is dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-cluster-faithful-'));
  try {
    const inputs = ['analyses', 'detector', 'detectorOrdinals', 'slopeChange'].map((k) => `policy.inputs.${k}=true`);
    const { summaryFile, ...r } = await runSmoke(dir, ['policy.trace=faithful', 'policy.copyRest=true', ...inputs]);
    assert.is(r.code, 0, r.out);
    const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
    assert.equal([s.promptsTrained, s.cluster.untrainedItems, s.cluster.extraGroups, s.cluster.groupsDiscarded, s.cluster.staleDropped], [12, 0, 0, 0, 0]);
    const { loadPolicy } = await import('../../shared/policy/checkpoint.js');
    const p = await loadPolicy(s.checkpoint);
    assert.is(p.spec.copyRest, true);
    assert.is(p.spec.features.slopeChange, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("train.initFrom through the cluster: the learner starts RL from exactly the checkpoint's weights and says so", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomseer-cluster-init-'));
  try {
    const first = await runSmoke(join(dir, 'first'));
    assert.is(first.code, 0, first.out);
    const from = JSON.parse(readFileSync(first.summaryFile, 'utf8')).checkpoint as string;
    const sha = JSON.parse(readFileSync(join(from, 'state.json'), 'utf8')).sha256['model.safetensors'] as string;
    const second = await runSmoke(join(dir, 'second'), [`train.initFrom=${from}`, 'train.warmStart.enabled=false']);
    assert.is(second.code, 0, second.out);
    assert.match(
      second.out,
      new RegExp(
        `\\[learner\\] learner: starting from the weights of ${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(model\\.safetensors sha256 ${sha.slice(0, 12)}…\\)`,
      ),
    );
    // No warm start: the KL reference (the policy as RL starts, which the workers sampled first) is the checkpoint's.
    const weights = (file: string) => decodeModelFile(new Uint8Array(readFileSync(file)), file).weights;
    const ref = weights(join(dir, 'second', 'run', REFERENCE_FILE));
    const src = weights(join(from, 'model.safetensors'));
    assert.equal(Object.keys(ref).sort(), Object.keys(src).sort());
    for (const [k, t] of Object.entries(src)) assert.equal(Array.from(ref[k]!.data as Float32Array), Array.from(t.data as Float32Array), k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--workers must be a small non-negative integer', async () => {
  const r = await run(['train', 'examples/smoke.yaml', '--workers', 'two']);
  assert.is(r.code, 2);
  assert.match(r.out, /--workers/);
});

test.run();
