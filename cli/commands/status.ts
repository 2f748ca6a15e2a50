/** `anomseer status --coordinator ADDR [--json]`: one GetStatus snapshot, as a table or JSON. */
import type { Command } from 'commander';
import { addTlsOptions, tlsFromFlags } from './flags.js';
import type { TlsFlagValues } from './flags.js';
import type { GetStatusResponse } from '../../proto/types.js';

interface Flags extends TlsFlagValues {
  coordinator: string;
  json?: boolean;
  tokenFile?: string;
}

export function formatStatus(s: GetStatusResponse): string {
  const p = s.prompts;
  const lines = [
    `job ${s.job_id}: step ${s.step}, weight version ${s.weight_version}, up ${((s.now_ms - s.started_at_ms) / 1000).toFixed(0)}s`,
    p === null
      ? 'prompts: n/a'
      : `prompts: ${p.done}/${p.total} done, ${p.in_flight} in flight, ${p.queued} queued, ${p.groups_ready} ready for the learner; ${p.requeued} requeued, ${p.duplicates_dropped} duplicates dropped, ${p.stale_dropped} stale dropped`,
    s.throughput === null
      ? ''
      : `throughput (last minute): ${s.throughput.rollouts_per_second.toFixed(2)} rollouts/s, ${s.throughput.tokens_per_second.toFixed(0)} tokens/s`,
    `workers (${s.workers.length}):`,
    ...s.workers.map(
      (w) =>
        `  ${w.worker_id.padEnd(8)} ${w.state.replace('WORKER_STATE_', '').toLowerCase().padEnd(16)} v${String(w.weight_version).padEnd(5)} ${String(w.leases_held).padStart(3)} leases ${String(w.groups_submitted).padStart(6)} groups  ${w.device} ${w.host}`,
    ),
  ];
  return lines.filter((l) => l !== '').join('\n');
}

export function registerStatus(program: Command): void {
  addTlsOptions(program.command('status'), 'client')
    .description('Show a running job: prompts, workers, leases, throughput (token from ANOMSEER_TOKEN or --token-file).')
    .requiredOption('--coordinator <host:port>', 'address the coordinator printed')
    .option('--json', 'print the GetStatus answer as JSON')
    .option('--token-file <file>', 'read the cluster token from this file')
    .action(async (flags: Flags) => {
      const { bearerInterceptor, tokenFrom, unary, createClient, channelOptions, channelCredentials } = await import('./grpc-client.js');
      const token = tokenFrom(process.env, flags.tokenFile);
      const coord = createClient('Coordinator', flags.coordinator, channelCredentials(tlsFromFlags(flags, 'client')), {
        ...channelOptions(),
        interceptors: [bearerInterceptor(token)],
      });
      try {
        const s = await unary(coord, coord.GetStatus, {}, { deadlineMs: 10_000 });
        process.stdout.write(flags.json === true ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
      } finally {
        coord.close();
      }
    });
}
