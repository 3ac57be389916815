import type { Logger } from '../lib/logger.js';
import type { BlobType } from './repository/format.js';
import { indexJson, type BlobLocation } from './repository/master-index.js';
import { PackWriter, targetPackSize, type PackedBlob } from './repository/pack.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots } from './repository/snapshots.js';
import { decodeTree } from './repository/tree.js';

export interface PruneStats {
  packsDeleted: number;
  packsRepacked: number;
  bytesFreed: number;
  blobsUsed: number;
}

/** Every blob any snapshot still needs: its trees, recursively, and the data they point to. */
export async function usedBlobs(repo: Repository): Promise<Set<string>> {
  const used = new Set<string>();
  const pending = (await listSnapshots(repo)).map((s) => s.tree);
  while (pending.length > 0) {
    const treeId = pending.pop()!;
    if (used.has(treeId)) continue;
    used.add(treeId);
    for (const node of decodeTree(await repo.loadBlob(treeId)).nodes) {
      for (const id of node.content ?? []) used.add(id);
      if (node.subtree) pending.push(node.subtree);
    }
  }
  return used;
}

/**
 * Removes data no snapshot needs, in the order restic's design prescribes: new packs with the still
 * used blobs of mixed packs, then one index that supersedes all old ones, then deletion of the old
 * index files and packs. The caller holds an exclusive lock.
 */
export async function prune(repo: Repository, log: Logger): Promise<PruneStats> {
  const used = await usedBlobs(repo);
  const packs = repo.index.packs();
  const stored = new Map((await repo.backend.list('data')).map((f) => [f.name, f.size]));
  const keep = new Map<string, PackedBlob[]>();
  const doomed = new Set<string>([...stored.keys()].filter((id) => !packs.has(id)));
  const toRepack: BlobLocation[] = [];
  let repacked = 0;
  for (const [packId, blobs] of packs) {
    const live = blobs.filter((b) => used.has(b.id));
    if (live.length === blobs.length && stored.has(packId)) keep.set(packId, blobs);
    else {
      doomed.add(packId);
      toRepack.push(...live);
      if (live.length > 0) repacked += 1;
    }
  }
  for (const [id, blobs] of await repack(repo, toRepack)) keep.set(id, blobs);
  const oldIndexes = [...repo.index.files];
  await repo.saveUnpacked('index', indexJson(keep, oldIndexes));
  for (const name of oldIndexes) await repo.backend.remove({ type: 'index', name });
  let bytesFreed = 0;
  for (const name of doomed) {
    bytesFreed += stored.get(name) ?? 0;
    await repo.backend.remove({ type: 'data', name });
  }
  log.info({ packsDeleted: doomed.size, packsRepacked: repacked, bytesFreed }, 'pruned repository');
  return { packsDeleted: doomed.size, packsRepacked: repacked, bytesFreed, blobsUsed: used.size };
}

async function repack(repo: Repository, blobs: BlobLocation[]): Promise<Map<string, PackedBlob[]>> {
  const written = new Map<string, PackedBlob[]>();
  const writers = new Map<BlobType, PackWriter>();
  const finish = async (type: BlobType, writer: PackWriter): Promise<void> => {
    writers.delete(type);
    const { id, bytes } = writer.finish();
    await repo.backend.save({ type: 'data', name: id }, bytes);
    written.set(id, writer.blobs);
  };
  for (const blob of blobs) {
    const data = await repo.loadBlob(blob.id);
    const writer = writers.get(blob.type) ?? new PackWriter(repo.key, repo.compression);
    writers.set(blob.type, writer);
    writer.add(blob.type, blob.id, data);
    if (writer.byteLength >= targetPackSize) await finish(blob.type, writer);
  }
  for (const [type, writer] of [...writers]) await finish(type, writer);
  return written;
}
