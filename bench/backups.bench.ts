import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../src/backups/backends/local.js';
import { Repository } from '../src/backups/repository/repository.js';
import { snapshotPaths } from '../src/backups/snapshot-writer.js';
import { silentLogger } from '../src/lib/logger.js';
import { differingFiles, makeBenchTree, treeSize } from './backups-tree.js';

export const title =
  "Backups: first backup of a ~530 MB website tree (300 MiB random, 210 MiB text), Upkeep vs restic (compression auto), then restic judges Upkeep's repository";

interface Run {
  seconds: number;
  cpuSeconds: number;
}

/** Runs restic through bash so that `times` reports its CPU time (user + sys of the child). */
function restic(repo: string, password: string, args: string[]): Run & { out: string } {
  const script = 'restic "$@"; status=$?; times >&2; exit $status';
  const started = performance.now();
  const run = spawnSync('bash', ['-c', script, 'bash', '-r', repo, '--no-cache', ...args], {
    env: { ...process.env, RESTIC_PASSWORD: password },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`restic ${args.join(' ')} failed (${String(run.status)}): ${run.stderr}`);
  // The second line of `times` is the children's: "0m3.120s 0m0.450s".
  const children = run.stderr.trim().split('\n').at(-1)!.split(' ');
  const toSeconds = (t: string): number => {
    const [, m, s] = /(\d+)m([\d.]+)s/.exec(t) ?? ['', '0', '0'];
    return Number(m) * 60 + Number(s);
  };
  return { seconds, cpuSeconds: children.reduce((sum, t) => sum + toSeconds(t), 0), out: run.stdout };
}

async function upkeepBackup(repoPath: string, password: string, source: string): Promise<Run> {
  const repo = await Repository.init(new LocalBackend({ kind: 'local', path: repoPath }), password);
  // process.cpuUsage covers every thread of the process, the workers included.
  const cpu = process.cpuUsage();
  const started = performance.now();
  await snapshotPaths(repo, [source], { log: silentLogger() });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

export async function run(): Promise<Record<string, string | number>> {
  if (spawnSync('restic', ['version']).status !== 0) return { restic: 'not installed (apt-get install -y restic)' };
  const work = await mkdtemp(join(tmpdir(), 'upkeep-bench-'));
  const password = 'bench';
  try {
    const source = join(work, 'site');
    const tree = await makeBenchTree(source);
    const mb = tree.bytes / 1e6;
    const figures: Record<string, string | number> = {
      machine: `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at start`,
      'tree MB (files)': `${mb.toFixed(0)} (${tree.files})`,
    };

    const ours = join(work, 'upkeep');
    const upkeep = await upkeepBackup(ours, password, source);
    const theirs = join(work, 'restic');
    restic(theirs, password, ['init']);
    const reference = restic(theirs, password, ['backup', source]);

    figures['upkeep MB/s'] = mb / upkeep.seconds;
    figures['restic MB/s'] = mb / reference.seconds;
    figures['speed ratio upkeep/restic (wall)'] = reference.seconds / upkeep.seconds;
    figures['upkeep CPU s (user+sys)'] = upkeep.cpuSeconds;
    figures['restic CPU s (user+sys)'] = reference.cpuSeconds;
    figures['upkeep MB per CPU-second'] = mb / upkeep.cpuSeconds;
    figures['restic MB per CPU-second'] = mb / reference.cpuSeconds;
    figures['CPU ratio restic/upkeep'] = reference.cpuSeconds / upkeep.cpuSeconds;
    const oursSize = await treeSize(ours);
    const theirsSize = await treeSize(theirs);
    figures['upkeep repository MB'] = oursSize / 1e6;
    figures['restic repository MB'] = theirsSize / 1e6;
    figures['size ratio upkeep/restic'] = oursSize / theirsSize;

    const check = restic(ours, password, ['check', '--read-data']);
    figures['restic check --read-data (Upkeep repository)'] = check.out.includes('no errors were found') ? 'no errors' : 'ERRORS';
    const restored = join(work, 'restored');
    restic(ours, password, ['restore', 'latest', '--target', restored]);
    const differing = await differingFiles(source, join(restored, source));
    figures['restic restore (Upkeep repository)'] =
      differing.length === 0 ? `byte-identical, ${tree.files} files` : `${differing.length} files differ, first ${differing[0]!}`;
    return figures;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
