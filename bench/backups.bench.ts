import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../src/backups/backends/local.js';
import { Repository } from '../src/backups/repository/repository.js';
import { snapshotPaths } from '../src/backups/snapshot-writer.js';
import { silentLogger } from '../src/lib/logger.js';

export const title = 'Backups: Upkeep vs restic backup on the same generated data (96 MiB: half random, half text)';

async function duSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await duSize(path) : (await stat(path)).size;
  }
  return total;
}

export async function run(): Promise<Record<string, string | number>> {
  const work = await mkdtemp(join(tmpdir(), 'upkeep-bench-'));
  const data = join(work, 'data');
  await mkdir(data);
  const words = 'upkeep backs up websites and proves that they restore '.repeat(20);
  for (let i = 0; i < 6; i++) await writeFile(join(data, `random-${i}.bin`), randomBytes(8 * 1024 * 1024));
  for (let i = 0; i < 6; i++)
    await writeFile(
      join(data, `text-${i}.log`),
      Buffer.from(`${words}${i}\n`.repeat(Math.ceil((8 * 1024 * 1024) / words.length))).subarray(0, 8 * 1024 * 1024),
    );
  const bytes = await duSize(data);
  const password = 'bench';
  try {
    const ours = join(work, 'upkeep');
    const repo = await Repository.init(new LocalBackend({ kind: 'local', path: ours }), password);
    let started = performance.now();
    await snapshotPaths(repo, [data], { log: silentLogger() });
    const upkeepSeconds = (performance.now() - started) / 1000;
    const figures: Record<string, string | number> = {
      'data MiB': bytes / 1048576,
      'upkeep MB/s': bytes / 1e6 / upkeepSeconds,
      'upkeep repo MiB': (await duSize(ours)) / 1048576,
    };
    const theirs = join(work, 'restic');
    const env = { ...process.env, RESTIC_PASSWORD: password };
    if (spawnSync('restic', ['-r', theirs, 'init'], { env }).status === 0) {
      started = performance.now();
      spawnSync('restic', ['-r', theirs, '--no-cache', 'backup', data], { env });
      const resticSeconds = (performance.now() - started) / 1000;
      figures['restic MB/s'] = bytes / 1e6 / resticSeconds;
      figures['restic repo MiB'] = (await duSize(theirs)) / 1048576;
      figures['throughput ratio upkeep/restic'] = resticSeconds / upkeepSeconds;
      figures['size ratio upkeep/restic'] = (figures['upkeep repo MiB'] as number) / figures['restic repo MiB'];
    } else figures.restic = 'not installed (apt-get install -y restic)';
    return figures;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
