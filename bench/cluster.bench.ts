import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { spawnServerProcess, type ServerProcess } from '../test/support/cli.js';
import { createPostgresDatabase, tempDir } from '../test/support/databases.js';
import { countingTarget } from '../test/support/process.js';
import { sleep } from '../test/support/receivers.js';
import { median } from './median.js';

/**
 * Cluster mode (issue 19): CPU per check of nodes in a cluster against one node alone, and how many
 * checks a second one node and three nodes get through when there are more than they can do. Real
 * `upkeep start` processes on PostgreSQL (UPKEEP_TEST_DATABASE_URL) against a loopback target;
 * CPU is the processes' own (utime + stime from /proc) over the measured window, start-up excluded; the
 * PostgreSQL backends serving the nodes (on this machine) are measured too, as a second figure, since
 * cluster mode also asks the database for more (locks, notifications, reading the others' states).
 * UPKEEP_BENCH_CLUSTER_MONITORS (default 2,000 at 10 s) and UPKEEP_BENCH_CLUSTER_WINDOW (default 60 s: a whole
 * minute, so every once-a-minute job, such as the minute rollup, falls into each window once; with 30 s,
 * nearly the same code measured 1.25× and 1.94× an hour apart);
 * UPKEEP_BENCH_CLUSTER_ROUNDS (default 1): rounds of "alone" and "three" one after the other, their ratios and
 * the median of the ratios (this shared machine drifts by ±10 % within minutes, so one pair is not a figure);
 * UPKEEP_BENCH_CLUSTER_STEADY_ONLY=1 leaves out the throughput scenarios, UPKEEP_BENCH_CLUSTER_THROUGHPUT_ONLY=1
 * runs only them (UPKEEP_BENCH_CLUSTER_STEPS: how many times the monitors may double, default 4);
 * UPKEEP_BENCH_CLUSTER_PROFILE=<dir> has every node write a V8 CPU profile (`--cpu-prof`) into <dir>/<scenario>/
 * when it stops, to see where the CPU goes.
 */
export const title = 'Cluster mode: CPU per check, one node vs a cluster; throughput 1 → 3 nodes';

const MONITORS = Number(process.env.UPKEEP_BENCH_CLUSTER_MONITORS ?? 2_000);
const WINDOW = Number(process.env.UPKEEP_BENCH_CLUSTER_WINDOW ?? 60_000);
const TICKS = 100;
const SETTLE = Number(process.env.UPKEEP_BENCH_CLUSTER_SETTLE ?? 60_000);
const PROFILE = process.env.UPKEEP_BENCH_CLUSTER_PROFILE;
const STEPS = Number(process.env.UPKEEP_BENCH_CLUSTER_STEPS ?? 4);
const ROUNDS = Number(process.env.UPKEEP_BENCH_CLUSTER_ROUNDS ?? 1);
/** Nodes serving less than this share of the checks their monitors ask for are saturated. */
const KEPT_UP = 0.9;

/** CPU seconds a process has used so far. */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

interface Scenario {
  nodes: number;
  cluster: boolean;
  monitors: number;
  interval: string;
}

/** CPU seconds used so far by each backend serving the database `db` is connected to (not `db`'s own). */
async function backendsCpu(db: pg.Client): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuOf(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return cpu;
}

async function measure(name: string, s: Scenario): Promise<{ checksPerSecond: number; cpuMsPerCheck: number; dbCpuMsPerCheck: number }> {
  const database = await createPostgresDatabase();
  const dir = tempDir('upkeep-bench-cluster-');
  const target = await countingTarget();
  const running: ServerProcess[] = [];
  try {
    const sites = Array.from({ length: s.monitors / 10 }, (_, i) => {
      const monitors = Array.from(
        { length: 10 },
        (_, m) => `      - { name: M${m}, type: http, url: "${target.url(`/${i}/${m}`)}", interval: ${s.interval}, timeout: 5s }`,
      );
      return `  - name: Site ${i}\n    monitors:\n${monitors.join('\n')}`;
    });
    const file = join(dir.path, 'upkeep.yaml');
    writeFileSync(file, `cluster: { enabled: ${s.cluster}, nodeId: "\${UPKEEP_NODE_ID}", leaseSeconds: 10 }\nsites:\n${sites.join('\n')}\n`);
    for (let n = 0; n < s.nodes; n++) {
      const spawned = spawnServerProcess(
        ['--config', file, '--data-dir', dir.path, '--allow-private'],
        { UPKEEP_DATABASE_URL: database.url, UPKEEP_NODE_ID: `n${n}` },
        PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE, name)}`] : [],
      );
      running.push({ ...spawned, url: await spawned.ready });
    }
    // Past start-up, the first catch-up of every monitor and V8's after-start work (optimizing compiles, the
    // memory reducer's full collections), which costs each node as much as its steady work for tens of seconds.
    await sleep(SETTLE);
    const count = () => [...target.served.values()].reduce((sum, times) => sum + times.length, 0);
    const cpu = () => running.reduce((sum, p) => sum + cpuOf(p.child.pid!), 0);
    const watcher = new pg.Client({ connectionString: database.url });
    await watcher.connect();
    const [checks0, cpu0, db0, t0] = [count(), cpu(), await backendsCpu(watcher), Date.now()];
    await sleep(WINDOW);
    const [checks, used, db1, seconds] = [count() - checks0, cpu() - cpu0, await backendsCpu(watcher), (Date.now() - t0) / 1000];
    await watcher.end();
    // A backend that ended within the window is left out; one that began in it counts whole.
    const dbUsed = [...db1].reduce((sum, [pid, end]) => sum + end - (db0.get(pid) ?? 0), 0);
    return { checksPerSecond: checks / seconds, cpuMsPerCheck: (used * 1000) / Math.max(1, checks), dbCpuMsPerCheck: (dbUsed * 1000) / Math.max(1, checks) };
  } finally {
    for (const p of running) p.child.kill('SIGTERM');
    await Promise.all(running.map((p) => p.exited));
    await target.close();
    await database.drop();
    dir.cleanup();
  }
}

/**
 * How throughput grows from 1 to 3 nodes: for each number of nodes, monitors at 1 s (the shortest interval) from
 * UPKEEP_BENCH_CLUSTER_MONITORS, doubled while the nodes keep up (serve at least 90 % of the checks asked for,
 * counted at the target) and checks/s still grows by 10 %: the most checks/s seen is the nodes' capacity. It says
 * whether they were saturated: if not, the ladder ran out of steps first and the capacity is higher than shown.
 * Everything (nodes, PostgreSQL, the target, this process) shares the machine's cores.
 */
async function throughput(): Promise<Record<string, string | number>> {
  const figures: Record<string, string | number> = {};
  const capacity: number[] = [];
  for (const nodes of [1, 2, 3]) {
    let best = { checksPerSecond: 0, cpuMsPerCheck: 0, monitors: 0 };
    let saturated = false;
    for (let step = 0, monitors = MONITORS; step < STEPS; step++, monitors *= 2) {
      const got = await measure(`throughput-${nodes}-${monitors}`, { nodes, cluster: true, monitors, interval: '1s' });
      const grew = got.checksPerSecond >= best.checksPerSecond * 1.1;
      if (got.checksPerSecond > best.checksPerSecond) best = { ...got, monitors };
      saturated = got.checksPerSecond < KEPT_UP * monitors || !grew;
      if (saturated) break;
    }
    capacity.push(best.checksPerSecond);
    figures[`throughput, ${nodes} node${nodes > 1 ? 's' : ''}: most checks/s`] = best.checksPerSecond;
    figures[`throughput, ${nodes} node${nodes > 1 ? 's' : ''}: at (monitors at 1 s; CPU ms per check; saturated)`] =
      `${best.monitors}; ${best.cpuMsPerCheck.toFixed(3)}; ${saturated ? 'yes' : 'no, more monitors would show more'}`;
  }
  figures['throughput, two nodes / one node'] = capacity[1]! / capacity[0]!;
  figures['throughput, three nodes / one node'] = capacity[2]! / capacity[0]!;
  return figures;
}

export async function run(): Promise<Record<string, string | number>> {
  if (process.env.UPKEEP_BENCH_CLUSTER_THROUGHPUT_ONLY) return throughput();
  const steady = { monitors: MONITORS, interval: '10s' };
  const alone = await measure('alone', { nodes: 1, cluster: false, ...steady });
  const one = await measure('one', { nodes: 1, cluster: true, ...steady });
  const three = await measure('three', { nodes: 3, cluster: true, ...steady });
  const ratios = [three.cpuMsPerCheck / alone.cpuMsPerCheck];
  for (let round = 2; round <= ROUNDS; round++) {
    const aloneAgain = await measure(`alone-${round}`, { nodes: 1, cluster: false, ...steady });
    const threeAgain = await measure(`three-${round}`, { nodes: 3, cluster: true, ...steady });
    ratios.push(threeAgain.cpuMsPerCheck / aloneAgain.cpuMsPerCheck);
  }
  const rounds =
    ROUNDS > 1
      ? {
          [`three-node cluster / one node alone, each of ${ROUNDS} rounds`]: ratios.map((r) => r.toFixed(2)).join(', '),
          'three-node cluster / one node alone, median of the rounds': median(ratios),
        }
      : {};
  const steadyFigures = {
    [`one node, cluster off: CPU ms per check (${MONITORS} monitors at 10 s)`]: alone.cpuMsPerCheck,
    'one node, cluster on: CPU ms per check': one.cpuMsPerCheck,
    'three nodes: CPU ms per check (all three together)': three.cpuMsPerCheck,
    'CPU per check, three-node cluster / one node alone': three.cpuMsPerCheck / alone.cpuMsPerCheck,
    'CPU per check, one-node cluster / one node alone': one.cpuMsPerCheck / alone.cpuMsPerCheck,
    'PostgreSQL backends: CPU ms per check, alone / one-node cluster / three nodes': [alone, one, three].map((r) => r.dbCpuMsPerCheck.toFixed(3)).join(' / '),
    'nodes + PostgreSQL, three-node cluster / one node alone': (three.cpuMsPerCheck + three.dbCpuMsPerCheck) / (alone.cpuMsPerCheck + alone.dbCpuMsPerCheck),
    ...rounds,
  };
  if (process.env.UPKEEP_BENCH_CLUSTER_STEADY_ONLY) return steadyFigures;
  return { ...steadyFigures, ...(await throughput()) };
}
