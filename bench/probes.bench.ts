import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, runCli, spawnServerProcess, type ServerProcess } from '../test/support/cli.js';
import { tempDir } from '../test/support/databases.js';
import { countingTarget } from '../test/support/process.js';
import { sleep } from '../test/support/receivers.js';
import { cpuOf } from './cluster.bench.js';

/**
 * Probes (issue 19 part 2): CPU per check when the server's own engine checks every monitor, against
 * the same monitors checked from one location by a real `upkeep probe` process that sends its results
 * to the server (server + probe CPU together, and each apart). Real processes on SQLite against a
 * loopback target; CPU is utime + stime from /proc over the measured window, start-up excluded.
 * UPKEEP_BENCH_PROBE_MONITORS (default 1,000 at 10 s) and UPKEEP_BENCH_PROBE_WINDOW (default 30 s).
 */
export const title = 'Probes: CPU per check, a probe sending its results vs the local engine';

const MONITORS = Number(process.env.UPKEEP_BENCH_PROBE_MONITORS ?? 1_000);
const WINDOW = Number(process.env.UPKEEP_BENCH_PROBE_WINDOW ?? 30_000);
async function measure(probed: boolean): Promise<{ cpuMsPerCheck: number; serverMsPerCheck: number; probeMsPerCheck: number; checksPerSecond: number }> {
  const dir = tempDir('upkeep-bench-probes-');
  const target = await countingTarget();
  let server: ServerProcess | undefined;
  let probe: ReturnType<typeof spawn> | undefined;
  try {
    const where = probed ? ', locations: [eu-north]' : '';
    const sites = Array.from({ length: MONITORS / 10 }, (_, i) => {
      const monitors = Array.from(
        { length: 10 },
        (_, m) => `      - { name: M${m}, type: http, url: "${target.url(`/${i}/${m}`)}", interval: 10s, timeout: 5s${where} }`,
      );
      return `  - name: Site ${i}\n    monitors:\n${monitors.join('\n')}`;
    });
    const file = join(dir.path, 'upkeep.yaml');
    writeFileSync(file, `locations: [eu-north]\nsites:\n${sites.join('\n')}\n`);
    let token = '';
    if (probed) {
      const made = await runCli(['probe', 'add', 'bench', 'eu-north', '--config', file, '--data-dir', dir.path]);
      token = /upp_\S+/.exec(made.stdout)?.[0] ?? '';
      if (!token) throw new Error(`no probe token: ${made.stderr}`);
    }
    const spawned = spawnServerProcess(['--config', file, '--data-dir', dir.path, '--allow-private']);
    server = { ...spawned, url: await spawned.ready };
    if (probed) {
      probe = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'probe', '--server', server.url, '--location', 'eu-north', '--allow-private'], {
        cwd: projectRoot,
        env: { ...process.env, UPKEEP_PROBE_TOKEN: token, UPKEEP_LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
    }
    // Past start-up and the first catch-up of every monitor.
    await sleep(20_000);
    const count = () => [...target.served.values()].reduce((sum, times) => sum + times.length, 0);
    const serverCpu = () => cpuOf(server!.child.pid!);
    const probeCpu = () => (probe ? cpuOf(probe.pid!) : 0);
    const [checks0, s0, p0, t0] = [count(), serverCpu(), probeCpu(), Date.now()];
    await sleep(WINDOW);
    const checks = Math.max(1, count() - checks0);
    const [s, p] = [serverCpu() - s0, probeCpu() - p0];
    return {
      cpuMsPerCheck: ((s + p) * 1000) / checks,
      serverMsPerCheck: (s * 1000) / checks,
      probeMsPerCheck: (p * 1000) / checks,
      checksPerSecond: checks / ((Date.now() - t0) / 1000),
    };
  } finally {
    probe?.kill('SIGTERM');
    server?.child.kill('SIGTERM');
    if (server) await server.exited;
    await target.close();
    dir.cleanup();
  }
}

export async function run(): Promise<Record<string, string | number>> {
  const local = await measure(false);
  const probed = await measure(true);
  return {
    [`local engine: CPU ms per check (${MONITORS} monitors at 10 s)`]: local.cpuMsPerCheck,
    'local engine: checks/s': local.checksPerSecond,
    'one probe location: CPU ms per check (server + probe)': probed.cpuMsPerCheck,
    '  of which the server (taking results, k-of-n)': probed.serverMsPerCheck,
    '  of which the probe (checking, sending)': probed.probeMsPerCheck,
    'one probe location: checks/s': probed.checksPerSecond,
    'CPU per check, probe location / local engine': probed.cpuMsPerCheck / local.cpuMsPerCheck,
  };
}
