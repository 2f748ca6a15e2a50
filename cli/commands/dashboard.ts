/**
 * `anomseer dashboard <root>`: every run under a folder — finished, interrupted and live — in
 * one page, from the run directories alone (docs/DASHBOARD.md, "Runs"): pick runs, overlay
 * their curves, read their evals and page through their traces. Runs until SIGTERM/SIGINT.
 * Loopback by default; every route needs the token (ANOMSEER_TOKEN, or the token file,
 * generated with mode 0600 when absent); the token itself is never printed.
 *
 *   anomseer dashboard runs/
 *   dashboard: 3 runs under runs/ (2 finished, 1 interrupted, 0 running)
 *   dashboard: token 3f9c…a0e1 (64 chars) (generated; written to ~/.anomseer/dashboard.token)
 *   dashboard: http://127.0.0.1:41733/?token=<the token in ~/.anomseer/dashboard.token>
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../shared/errors.js';
import { exitWithParent } from '../launch/exit-with-parent.js';
import { parseIntFlag, parsePortFlag } from './flags.js';

interface Flags {
  host: string;
  port: string;
  tokenFile?: string;
  pollMs: string;
}

/** Where a generated token goes when --token-file is not given. */
export const DEFAULT_DASHBOARD_TOKEN_FILE = join(homedir(), '.anomseer', 'dashboard.token');

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description(
      'Open the runs under a folder (finished, interrupted, live) in one page: overlay their curves, evals and traces (bearer token; loopback by default).',
    )
    .argument('<root>', 'folder holding run directories (each with run.json), e.g. runs/; a single run directory works too')
    .option('--host <host>', 'interface to listen on (0.0.0.0 serves every interface over plain HTTP)', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '0')
    .option(
      '--token-file <file>',
      `bearer token file, read when it exists, else generated there with mode 0600 (default ${DEFAULT_DASHBOARD_TOKEN_FILE}); ANOMSEER_TOKEN wins over it`,
    )
    .option('--poll-ms <ms>', 'how often live runs are read for new lines, ms', '1000')
    .action(async (root: string, flags: Flags) => {
      if (!existsSync(root) || !statSync(root).isDirectory())
        throw new ConfigError('<root>', `${root} is not a folder; give the folder your runs write into (their outputDir's parent)`);
      if (flags.host.trim() === '') throw new ConfigError('--host', 'is empty; give an interface address such as 127.0.0.1');
      const port = parsePortFlag('--port', flags.port);
      const pollMs = parseIntFlag('--poll-ms', flags.pollMs, 100, 3_600_000);
      const tokenFile = flags.tokenFile ?? DEFAULT_DASHBOARD_TOKEN_FILE;
      // Loaded when the command runs (ws, sharp, the gRPC auth): --help and other commands load none of it.
      const [{ portInUse }, { startRunsDashboard }, { maskToken, resolveDashboardToken }] = await Promise.all([
        import('../../dashboard/job-header.js'),
        import('../../dashboard/runs-server.js'),
        import('../../dashboard/token.js'),
      ]);
      const { token, source, warning } = resolveDashboardToken(process.env, tokenFile);
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const dash = await startRunsDashboard({ root, token, host: flags.host, port, pollMs, log }).catch((err: unknown) => {
        throw portInUse(err, port, '--port');
      });
      const runs = dash.watcher.list();
      const count = (s: string) => runs.filter((r) => r.state === s).length;
      log(
        `dashboard: ${runs.length} run${runs.length === 1 ? '' : 's'} under ${root} (${count('finished')} finished, ${count('interrupted')} interrupted, ${count('running')} running)${runs.length === 0 ? '; runs that start there appear as they do' : ''}`,
      );
      const note = source === 'env' ? '(from ANOMSEER_TOKEN)' : source === 'file' ? `(read from ${tokenFile})` : `(generated; written to ${tokenFile})`;
      log(`dashboard: token ${maskToken(token)} ${note}`);
      if (warning !== undefined) log(`dashboard: warning: ${warning}`);
      log(`dashboard: ${dash.url}?token=${source === 'env' ? '<ANOMSEER_TOKEN>' : `<the token in ${tokenFile}>`}`);
      if (!/^(127\.|\[::1\]|localhost)/.test(new URL(dash.url).host))
        log('dashboard: reachable from other machines over plain HTTP: its token travels unencrypted (docs/DASHBOARD.md)');
      exitWithParent(process.env, (line) => process.stderr.write(`dashboard: ${line}\n`));
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          log(`dashboard: ${sig}; shutting down`);
          void dash.close().then(resolve, resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
