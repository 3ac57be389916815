import type { IndexJson } from './format.js';
import type { PackedBlob } from './pack.js';

export interface BlobLocation extends PackedBlob {
  packId: string;
}

/** Where every known blob lives: merged from all index files plus the packs written in this session. */
export class MasterIndex {
  private readonly blobs = new Map<string, BlobLocation>();
  /** Index files that were loaded, so prune knows what it replaces. */
  readonly files = new Set<string>();

  get size(): number {
    return this.blobs.size;
  }

  has(id: string): boolean {
    return this.blobs.has(id);
  }

  get(id: string): BlobLocation | undefined {
    return this.blobs.get(id);
  }

  all(): IterableIterator<BlobLocation> {
    return this.blobs.values();
  }

  addPack(packId: string, blobs: readonly PackedBlob[]): void {
    for (const blob of blobs) if (!this.blobs.has(blob.id)) this.blobs.set(blob.id, { ...blob, packId });
  }

  addFile(fileId: string, json: IndexJson): void {
    this.files.add(fileId);
    for (const pack of json.packs) this.addPack(pack.id, pack.blobs.map(fromJson));
  }

  /** Every pack the index knows, with its blobs. */
  packs(): Map<string, BlobLocation[]> {
    const out = new Map<string, BlobLocation[]>();
    for (const blob of this.blobs.values()) {
      const list = out.get(blob.packId);
      if (list) list.push(blob);
      else out.set(blob.packId, [blob]);
    }
    return out;
  }
}

function fromJson(blob: IndexJson['packs'][number]['blobs'][number]): PackedBlob {
  const base = { id: blob.id, type: blob.type, offset: blob.offset, length: blob.length };
  return blob.uncompressed_length === undefined ? base : { ...base, uncompressedLength: blob.uncompressed_length };
}

export function indexJson(packs: ReadonlyMap<string, readonly PackedBlob[]>, supersedes: readonly string[] = []): IndexJson {
  return {
    ...(supersedes.length > 0 ? { supersedes: [...supersedes] } : {}),
    packs: [...packs].map(([id, blobs]) => ({
      id,
      blobs: blobs.map((b) => ({
        id: b.id,
        type: b.type,
        offset: b.offset,
        length: b.length,
        ...(b.uncompressedLength === undefined ? {} : { uncompressed_length: b.uncompressedLength }),
      })),
    })),
  };
}
