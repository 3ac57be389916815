import { randomInt } from 'node:crypto';
import { cryptoOverhead, sha256Hex } from './crypto.js';
import { parsePackHeader } from './repository/pack.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots } from './repository/snapshots.js';
import { decodeTree } from './repository/tree.js';

export interface VerifyOptions {
  /** Share of packs (0..1) whose every byte is read and authenticated; 1 reads everything. */
  readDataFraction: number;
}

export interface VerifyReport {
  ok: boolean;
  errors: string[];
  snapshots: number;
  packs: number;
  packsRead: number;
  bytesRead: number;
}

/**
 * What `restic check` does: every indexed pack exists with a header that matches the index, every
 * snapshot's trees decode and reference only indexed blobs with consistent sizes; then a share of
 * packs is read in full, hashed against its name and every blob decrypted and hashed.
 */
export async function verifyRepository(repo: Repository, options: VerifyOptions): Promise<VerifyReport> {
  const errors: string[] = [];
  const stored = new Map((await repo.backend.list('data')).map((f) => [f.name, f.size]));
  const packs = repo.index.packs();
  for (const [packId, blobs] of packs) {
    const size = stored.get(packId);
    if (size === undefined) {
      errors.push(`pack ${packId} is in the index but missing`);
      continue;
    }
    try {
      const header = parsePackHeader(repo.key, await repo.backend.load({ type: 'data', name: packId }, -Math.min(size, 64 * 1024)), size);
      const inHeader = new Set(header.map((b) => `${b.id}:${b.offset}:${b.length}`));
      for (const b of blobs) if (!inHeader.has(`${b.id}:${b.offset}:${b.length}`)) errors.push(`pack ${packId}: blob ${b.id} is not where the index says`);
    } catch (err) {
      errors.push(`pack ${packId}: unreadable header (${String(err)})`);
    }
  }
  const snapshots = await listSnapshots(repo).catch((err: unknown) => {
    errors.push(`snapshots: ${String(err)}`);
    return [];
  });
  await checkTrees(
    repo,
    snapshots.map((s) => s.tree),
    errors,
  );
  const candidates = [...packs.keys()].filter((id) => stored.has(id));
  const chosen = options.readDataFraction >= 1 ? candidates : candidates.filter(() => randomInt(1_000_000) < options.readDataFraction * 1_000_000);
  let bytesRead = 0;
  for (const packId of chosen) {
    const bytes = await repo.backend.load({ type: 'data', name: packId });
    bytesRead += bytes.length;
    if (sha256Hex(bytes) !== packId) {
      errors.push(`pack ${packId}: content does not match its name`);
      continue;
    }
    for (const blob of packs.get(packId) ?? []) {
      try {
        repo.readBlob(blob, bytes.subarray(blob.offset, blob.offset + blob.length));
      } catch (err) {
        errors.push(`pack ${packId}: blob ${blob.id}: ${String(err)}`);
      }
    }
  }
  return { ok: errors.length === 0, errors, snapshots: snapshots.length, packs: packs.size, packsRead: chosen.length, bytesRead };
}

async function checkTrees(repo: Repository, roots: string[], errors: string[]): Promise<void> {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const treeId = pending.pop()!;
    if (seen.has(treeId)) continue;
    seen.add(treeId);
    let nodes;
    try {
      nodes = decodeTree(await repo.loadBlob(treeId)).nodes;
    } catch (err) {
      errors.push(`tree ${treeId}: ${String(err)}`);
      continue;
    }
    for (const node of nodes) {
      if (node.type === 'dir') {
        if (node.subtree) pending.push(node.subtree);
        else errors.push(`tree ${treeId}: folder ${node.name} has no subtree`);
      }
      if (node.type !== 'file') continue;
      let size = 0;
      for (const id of node.content ?? []) {
        const where = repo.index.get(id);
        if (!where) errors.push(`tree ${treeId}: file ${node.name} needs missing blob ${id}`);
        else size += where.uncompressedLength ?? where.length - cryptoOverhead;
      }
      if (size !== (node.size ?? 0)) errors.push(`tree ${treeId}: file ${node.name} is ${node.size ?? 0} bytes but its blobs hold ${size}`);
    }
  }
}
