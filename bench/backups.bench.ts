import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { differingFiles, makeBenchTree, treeSize } from './backups-tree.js';
import { timed, type Run } from './timed.js';
import { median } from './median.js';

export const title =
  "Backups: first backup of a ~530 MB website tree (300 MiB random, 210 MiB text), Upkeep vs restic (compression auto; medians of 3 alternating runs), then restic judges Upkeep's repository";

/** Writes every dirty page back to disk, so a backup does not pay for the writes of what ran before it. */
const settle = (): void => {
  spawnSync('sync');
};

const restic = (repo: string, password: string, args: string[]): Run => timed(['restic', '-r', repo, '--no-cache', ...args], { RESTIC_PASSWORD: password });

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

    // Upkeep's compiled code (built here from the current source), in a process of its own like restic.
    timed([process.execPath, 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {});
    // Three backups each, alternating, every one into a fresh repository after the disk has caught up (the
    // tree was just written: without that, the kernel writes it back during whichever backup runs first).
    // A shared virtual machine's speed drifts by ±10 % within minutes; the medians and alternation keep
    // that drift out of the ratio.
    const ours = join(work, 'upkeep');
    const theirs = join(work, 'restic');
    const upkeepRuns: { seconds: number; cpuSeconds: number }[] = [];
    const resticRuns: Run[] = [];
    for (let i = 0; i < 3; i++) {
      await rm(ours, { recursive: true, force: true });
      await rm(theirs, { recursive: true, force: true });
      settle();
      upkeepRuns.push(JSON.parse(timed([process.execPath, 'bench/backups-child.mjs', ours, source], { UPKEEP_BACKUP_PASSWORD: password }).out));
      restic(theirs, password, ['init']);
      settle();
      resticRuns.push(restic(theirs, password, ['backup', source]));
    }
    const upkeep = { seconds: median(upkeepRuns.map((r) => r.seconds)), cpuSeconds: median(upkeepRuns.map((r) => r.cpuSeconds)) };
    const reference = { seconds: median(resticRuns.map((r) => r.seconds)), cpuSeconds: median(resticRuns.map((r) => r.cpuSeconds)) };
    figures['runs (alternating)'] =
      `3 each; wall s upkeep ${upkeepRuns.map((r) => r.seconds.toFixed(2)).join(' ')}, restic ${resticRuns.map((r) => r.seconds.toFixed(2)).join(' ')}`;

    figures['upkeep MB/s'] = mb / upkeep.seconds;
    figures['restic MB/s'] = mb / reference.seconds;
    figures['speed ratio upkeep/restic (wall)'] = reference.seconds / upkeep.seconds;
    figures['upkeep CPU s (user+sys)'] = upkeep.cpuSeconds;
    figures['restic CPU s (user+sys)'] = reference.cpuSeconds;
    figures['upkeep MB per CPU-second'] = mb / upkeep.cpuSeconds;
    figures['restic MB per CPU-second'] = mb / reference.cpuSeconds;
    figures['CPU ratio restic/upkeep'] = reference.cpuSeconds / upkeep.cpuSeconds;
    figures['upkeep CLI start-up CPU s (not above)'] = timed([process.execPath, 'bin/upkeep.js', '--version'], {}).cpuSeconds;
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
