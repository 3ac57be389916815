import type { Command } from 'commander';
import { action, DEFAULT_DATA_DIR, withCore } from '../run.js';

/** `cluster status`: the nodes sharing this database, their share of the monitors, and who leads which job. */
export function register(program: Command): void {
  const cluster = program.command('cluster').description('Several Upkeep nodes on one PostgreSQL (cluster mode).');
  cluster
    .command('status')
    .description('The nodes (live or dead), how many monitors each checks, and which node leads each cluster-wide job.')
    .option('-d, --data-dir <dir>', 'data directory (its secret key); UPKEEP_DATABASE_URL selects the PostgreSQL of the cluster', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ UPKEEP_DATABASE_URL=postgres://upkeep@db/upkeep upkeep cluster status\n  $ upkeep cluster status --json')
    .action(
      action(async (opts: { dataDir: string; json?: boolean }) => {
        const { clusterStatus, formatClusterStatus } = await import('../../cluster/status.js');
        const { liveProbes } = await import('../../probes/probes.service.js');
        const status = await withCore(opts.dataDir, async (core) => clusterStatus(core, await liveProbes(core.storage.db, core.clock.now())));
        process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatClusterStatus(status));
      }),
    );
}
