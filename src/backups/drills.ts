import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../lib/errors.js';
import { jobTag, openRepository, rowCountsOf, timed, type RunContext, type RunResult } from './backup.service.js';
import type { BackupJobConfig, RepositoryConfig } from './config.js';
import { cryptoOverhead, sha256Hex } from './crypto.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots } from './repository/snapshots.js';
import { decodeTree } from './repository/tree.js';
import { restoreTree } from './restore.js';
import { sourceTypeOf } from './sources/registry.js';

export interface DrillStats {
  snapshotId: string;
  filesVerified: number;
  bytesVerified: number;
  rowCounts: Record<string, number> | undefined;
}

/**
 * Re-reads every restored file from disk and checks each piece against the blob ids of the snapshot:
 * proof that the bytes on disk are the bytes that were backed up, independent of the restore code.
 */
export async function verifyRestoredTree(repo: Repository, treeId: string, dir: string): Promise<{ files: number; bytes: number }> {
  const totals = { files: 0, bytes: 0 };
  for (const node of decodeTree(await repo.loadBlob(treeId)).nodes) {
    const path = join(dir, node.name);
    if (node.type === 'dir' && node.subtree) {
      const sub = await verifyRestoredTree(repo, node.subtree, path);
      totals.files += sub.files;
      totals.bytes += sub.bytes;
    }
    if (node.type !== 'file') continue;
    const lengths = (node.content ?? []).map((id) => {
      const where = repo.index.get(id);
      if (!where) throw new AppError('internal', `blob ${id} of ${path} is not indexed`);
      return where.uncompressedLength ?? where.length - cryptoOverhead;
    });
    let index = 0;
    let pending = Buffer.alloc(0);
    for await (const chunk of createReadStream(path)) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (index < lengths.length && pending.length >= lengths[index]!) {
        if (sha256Hex(pending.subarray(0, lengths[index])) !== node.content![index])
          throw new AppError('internal', `restored ${path} differs from the snapshot at piece ${index}`);
        pending = pending.subarray(lengths[index]);
        index += 1;
      }
    }
    if (index !== lengths.length || pending.length > 0) throw new AppError('internal', `restored ${path} has the wrong length`);
    totals.files += 1;
    totals.bytes += node.size ?? 0;
  }
  return totals;
}

/**
 * A restore drill: restore the job's latest snapshot to a scratch folder, verify every file, and for a
 * database load the dump into a scratch database and compare row counts with those taken at backup.
 */
export function runDrill(job: BackupJobConfig, repoConfig: RepositoryConfig, ctx: RunContext & { scratchDir?: string }): Promise<RunResult<DrillStats>> {
  return timed(ctx.log, `restore drill ${job.name}`, async () => {
    const repo = await openRepository(repoConfig, false);
    const base = ctx.scratchDir ?? tmpdir();
    await mkdir(base, { recursive: true });
    const scratch = await mkdtemp(join(base, `upkeep-drill-${job.name}-`));
    try {
      const snapshot = (await listSnapshots(repo)).filter((s) => s.tags?.includes(jobTag(job.name))).at(-1);
      if (!snapshot) throw new AppError('not_found', `job ${job.name} has no snapshot to restore`);
      const restored = await restoreTree(repo, snapshot.tree, scratch, { log: ctx.log });
      if (restored.refused.length > 0) throw new AppError('internal', `restore refused ${restored.refused.length} entries: ${restored.refused[0] ?? ''}`);
      const verified = await verifyRestoredTree(repo, snapshot.tree, scratch);
      const expected = rowCountsOf(snapshot.tags);
      const type = sourceTypeOf(job.source);
      let rowCounts: Record<string, number> | undefined;
      if (expected && type.scratch) {
        const target = await type.scratch(job.source);
        try {
          rowCounts = await target.load(createReadStream(join(scratch, snapshot.paths[0]!.slice(1))));
        } finally {
          await target.dispose();
        }
        if (JSON.stringify(sorted(rowCounts)) !== JSON.stringify(sorted(expected))) {
          throw new AppError(
            'internal',
            `row counts differ after loading the dump: expected ${JSON.stringify(sorted(expected))}, got ${JSON.stringify(sorted(rowCounts))}`,
          );
        }
      }
      const stats: DrillStats = { snapshotId: snapshot.id, filesVerified: verified.files, bytesVerified: verified.bytes, rowCounts };
      return {
        message: `restored snapshot ${snapshot.id.slice(0, 8)}: ${verified.files} files verified${rowCounts ? `, ${Object.keys(rowCounts).length} tables match` : ''}`,
        stats,
      };
    } finally {
      await rm(scratch, { recursive: true, force: true });
      await repo.backend.close();
    }
  });
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}
