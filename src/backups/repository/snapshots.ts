import { AppError } from '../../lib/errors.js';
import type { SnapshotJson } from './format.js';
import type { Repository } from './repository.js';

export interface Snapshot extends SnapshotJson {
  id: string;
}

/** All snapshots, oldest first. */
export async function listSnapshots(repo: Repository): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for (const { name } of await repo.backend.list('snapshots')) {
    out.push({ ...(await repo.loadUnpacked<SnapshotJson>('snapshots', name)), id: name });
  }
  return out.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** Resolves `latest`, a full id or a unique id prefix (as restic accepts) to one snapshot. */
export async function findSnapshot(repo: Repository, ref: string, filter: { paths?: string[]; host?: string } = {}): Promise<Snapshot> {
  const all = (await listSnapshots(repo)).filter(
    (s) => (filter.host === undefined || s.hostname === filter.host) && (filter.paths === undefined || sameSet(s.paths, filter.paths)),
  );
  if (ref === 'latest') {
    const latest = all.at(-1);
    if (!latest) throw new AppError('not_found', 'the repository has no snapshot yet');
    return latest;
  }
  const matches = all.filter((s) => s.id.startsWith(ref.toLowerCase()));
  if (matches.length === 1) return matches[0]!;
  throw new AppError(matches.length === 0 ? 'not_found' : 'invalid_input', matches.length === 0 ? `no snapshot ${ref}` : `snapshot prefix ${ref} is ambiguous`);
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}
