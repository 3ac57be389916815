import { posix } from 'node:path';
import { AppError, describeError, isAppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Chunk } from '../pool/blob-pool.js';
import type { ProgressTracker } from '../progress.js';
import type { Repository } from '../repository/repository.js';
import { decodeTree, encodeTree, nodeFromStat, type NodeJson } from '../repository/tree.js';
import type { EntryStat, SourceFs } from './source-fs.js';

export interface ArchiveStats {
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirs: number;
  /** Bytes of file content read from the source. */
  bytesRead: number;
  /** Encrypted bytes added to the repository (data and trees). */
  bytesAdded: number;
  blobsAdded: number;
  skipped: string[];
}

export function emptyStats(): ArchiveStats {
  return { filesNew: 0, filesChanged: 0, filesUnmodified: 0, dirs: 0, bytesRead: 0, bytesAdded: 0, blobsAdded: 0, skipped: [] };
}

/** Where file contents are chunked, hashed and stored: the backup's worker pool. */
export interface ContentPipeline {
  readonly size: number;
  chunks(source: AsyncIterable<Uint8Array>): AsyncIterable<Chunk>;
  seal(chunk: Chunk): Promise<void>;
  skip(chunk: Chunk): void;
}

/** A directory's entries in order; a file's node may still be waiting for its content to be chunked. */
type Entries = Promise<NodeJson>[];

/** A folder of the snapshot's root that only leads to the backed-up paths (`/`, `/var`, `/var/www`). */
interface Virtual {
  children: Map<string, Virtual>;
  source?: string;
}

/**
 * Walks source paths into restic trees. Like restic, every path keeps its full position below `/`,
 * and a file whose size, mtime and inode match the parent snapshot is not read again. Several files are
 * read at once (two per worker), so the workers stay busy across small files; trees keep the walk's order.
 */
export class Archiver {
  readonly stats = emptyStats();
  private readonly reading = new Set<Promise<unknown>>();
  private readonly readAtOnce: number;
  private failure: Error | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly pool: ContentPipeline,
    private readonly fs: SourceFs,
    private readonly log: Logger,
    private readonly progress?: ProgressTracker,
  ) {
    this.readAtOnce = 2 * pool.size;
  }

  /** Archives absolute POSIX paths and returns the root tree id. */
  async archive(paths: readonly string[], parentTree?: string): Promise<string> {
    const root: Virtual = { children: new Map() };
    for (const path of paths) {
      let at = root;
      for (const part of path.split('/').filter(Boolean)) {
        const next = at.children.get(part) ?? { children: new Map() };
        at.children.set(part, next);
        at = next;
      }
      at.source = path;
    }
    if (this.progress) for (const path of paths) await this.count(path);
    return this.saveVirtual(root, '/', parentTree);
  }

  /** Waits for the files still being read, whatever their outcome: after a failure, before the lock goes. */
  async settle(): Promise<void> {
    while (this.reading.size > 0) await Promise.race(this.reading);
  }

  private async saveVirtual(node: Virtual, path: string, parentTree: string | undefined): Promise<string> {
    if (node.source !== undefined) return this.saveDir(node.source, parentTree);
    const parent = await this.parentNodes(parentTree);
    const entries: Entries = [];
    for (const [name, child] of node.children) {
      const childPath = posix.join(path, name);
      const st = await this.fs.lstat(childPath);
      const previous = parent.get(name);
      if (child.source !== undefined && st.kind !== 'dir') await this.addEntry(entries, childPath, name, st, previous);
      else entries.push(Promise.resolve({ ...nodeFromStat(name, st, 'dir'), subtree: await this.saveVirtual(child, childPath, previous?.subtree) }));
    }
    return this.saveTree(await Promise.all(entries));
  }

  private async saveDir(path: string, parentTree: string | undefined): Promise<string> {
    const parent = await this.parentNodes(parentTree);
    const entries: Entries = [];
    for (const name of await this.fs.readdir(path)) {
      const childPath = posix.join(path, name);
      await this.addEntry(entries, childPath, name, await this.fs.lstat(childPath), parent.get(name));
    }
    this.stats.dirs += 1;
    return this.saveTree(await Promise.all(entries));
  }

  private async addEntry(entries: Entries, path: string, name: string, st: EntryStat, previous: NodeJson | undefined): Promise<void> {
    switch (st.kind) {
      case 'dir':
        entries.push(
          Promise.resolve({ ...nodeFromStat(name, st, 'dir'), subtree: await this.saveDir(path, previous?.type === 'dir' ? previous.subtree : undefined) }),
        );
        return;
      case 'symlink':
        entries.push(Promise.resolve({ ...nodeFromStat(name, st, 'symlink'), linktarget: await this.fs.readlink(path) }));
        return;
      case 'file': {
        const same = this.unmodified(name, st, previous);
        entries.push(same ? Promise.resolve(same) : (await this.startReading(path, name, st, previous)).node);
        return;
      }
      case 'other':
        this.stats.skipped.push(path);
        this.log.warn({ path }, 'skipping a special file (device, socket or pipe)');
        return;
    }
  }

  private unmodified(name: string, st: EntryStat, previous: NodeJson | undefined): NodeJson | undefined {
    const node = nodeFromStat(name, st, 'file');
    const same =
      previous?.type === 'file' &&
      previous.size === st.size &&
      previous.mtime === node.mtime &&
      previous.inode === st.ino &&
      previous.content?.every((id) => this.repo.hasBlob(id));
    if (!same) return undefined;
    this.stats.filesUnmodified += 1;
    this.progress?.addBytes(st.size);
    this.progress?.fileDone();
    return { ...node, content: previous.content };
  }

  /** Starts reading a file once a slot is free; the walk goes on meanwhile. The first failure stops the walk. */
  private async startReading(path: string, name: string, st: EntryStat, previous: NodeJson | undefined): Promise<{ node: Promise<NodeJson> }> {
    while (this.reading.size >= this.readAtOnce) await Promise.race(this.reading);
    if (this.failure !== undefined) throw this.failure;
    const node = this.file(path, name, st, previous);
    const tracked: Promise<unknown> = node
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => this.reading.delete(tracked));
    this.reading.add(tracked);
    return { node };
  }

  private async file(path: string, name: string, st: EntryStat, previous: NodeJson | undefined): Promise<NodeJson> {
    const { content, size } = await this.saveContent(this.fs.read(path)).catch((err: unknown) => {
      throw isAppError(err) ? err : new AppError('unavailable', `cannot read ${path}: ${describeError(err)}`, { cause: err });
    });
    if (previous) this.stats.filesChanged += 1;
    else this.stats.filesNew += 1;
    this.progress?.fileDone();
    // The size is what was read: a file that grew or shrank meanwhile must still match its blobs.
    return { ...nodeFromStat(name, st, 'file'), size, content };
  }

  /** Stores a single stream (a database dump, a command's output) as one file at the snapshot's root. */
  async archiveStream(name: string, stream: AsyncIterable<Uint8Array>, st: EntryStat): Promise<string> {
    const { content, size } = await this.saveContent(stream);
    this.stats.filesNew += 1;
    this.progress?.fileDone();
    return this.saveTree([{ ...nodeFromStat(name, st, 'file'), size, content }]);
  }

  private async saveContent(stream: AsyncIterable<Uint8Array>): Promise<{ content: string[]; size: number }> {
    const content: string[] = [];
    let size = 0;
    for await (const chunk of this.pool.chunks(stream)) {
      if (this.repo.reserve(chunk.id)) await this.pool.seal(chunk);
      else this.pool.skip(chunk);
      content.push(chunk.id);
      size += chunk.length;
      this.progress?.addBytes(chunk.length);
    }
    this.stats.bytesRead += size;
    return { content, size };
  }

  private async saveTree(nodes: NodeJson[]): Promise<string> {
    return (await this.repo.saveBlob('tree', encodeTree(nodes))).id;
  }

  private async parentNodes(treeId: string | undefined): Promise<Map<string, NodeJson>> {
    if (treeId === undefined || !this.repo.index.has(treeId)) return new Map();
    const tree = decodeTree(await this.repo.loadBlob(treeId));
    return new Map(tree.nodes.map((n) => [n.name, n]));
  }

  private async count(path: string): Promise<void> {
    const st = await this.fs.lstat(path);
    if (st.kind === 'file') this.progress?.addTotal(1, st.size);
    if (st.kind !== 'dir') return;
    for (const name of await this.fs.readdir(path)) await this.count(posix.join(path, name));
  }
}
