import { posix } from 'node:path';
import type { Logger } from '../../lib/logger.js';
import { chunkStream } from '../chunker/chunker.js';
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

/** A folder of the snapshot's root that only leads to the backed-up paths (`/`, `/var`, `/var/www`). */
interface Virtual {
  children: Map<string, Virtual>;
  source?: string;
}

/**
 * Walks source paths into restic trees. Like restic, every path keeps its full position below `/`,
 * and a file whose size, mtime and inode match the parent snapshot is not read again.
 */
export class Archiver {
  readonly stats = emptyStats();

  constructor(
    private readonly repo: Repository,
    private readonly fs: SourceFs,
    private readonly log: Logger,
    private readonly progress?: ProgressTracker,
  ) {}

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

  private async saveVirtual(node: Virtual, path: string, parentTree: string | undefined): Promise<string> {
    if (node.source !== undefined) return this.saveDir(node.source, parentTree);
    const parent = await this.parentNodes(parentTree);
    const nodes: NodeJson[] = [];
    for (const [name, child] of node.children) {
      const childPath = posix.join(path, name);
      const st = await this.fs.lstat(childPath);
      const previous = parent.get(name);
      if (child.source !== undefined && st.kind !== 'dir') {
        const entry = await this.entry(childPath, name, st, previous);
        if (entry) nodes.push(entry);
        continue;
      }
      nodes.push({ ...nodeFromStat(name, st, 'dir'), subtree: await this.saveVirtual(child, childPath, previous?.subtree) });
    }
    return this.saveTree(nodes);
  }

  private async saveDir(path: string, parentTree: string | undefined): Promise<string> {
    const parent = await this.parentNodes(parentTree);
    const nodes: NodeJson[] = [];
    for (const name of await this.fs.readdir(path)) {
      const childPath = posix.join(path, name);
      const entry = await this.entry(childPath, name, await this.fs.lstat(childPath), parent.get(name));
      if (entry) nodes.push(entry);
    }
    this.stats.dirs += 1;
    return this.saveTree(nodes);
  }

  private async entry(path: string, name: string, st: EntryStat, previous: NodeJson | undefined): Promise<NodeJson | undefined> {
    switch (st.kind) {
      case 'dir':
        return { ...nodeFromStat(name, st, 'dir'), subtree: await this.saveDir(path, previous?.type === 'dir' ? previous.subtree : undefined) };
      case 'symlink':
        return { ...nodeFromStat(name, st, 'symlink'), linktarget: await this.fs.readlink(path) };
      case 'file':
        return this.file(path, name, st, previous);
      case 'other':
        this.stats.skipped.push(path);
        this.log.warn({ path }, 'skipping a special file (device, socket or pipe)');
        return undefined;
    }
  }

  private async file(path: string, name: string, st: EntryStat, previous: NodeJson | undefined): Promise<NodeJson> {
    const node = nodeFromStat(name, st, 'file');
    if (
      previous?.type === 'file' &&
      previous.size === st.size &&
      previous.mtime === node.mtime &&
      previous.inode === st.ino &&
      previous.content?.every((id) => this.repo.hasBlob(id))
    ) {
      this.stats.filesUnmodified += 1;
      this.progress?.addBytes(st.size);
      this.progress?.fileDone();
      return { ...node, content: previous.content };
    }
    const { content, size } = await this.saveContent(this.fs.read(path));
    if (previous) this.stats.filesChanged += 1;
    else this.stats.filesNew += 1;
    this.progress?.fileDone();
    // The size is what was read: a file that grew or shrank meanwhile must still match its blobs.
    return { ...node, size, content };
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
    for await (const chunk of chunkStream(stream, this.repo.polynomial)) {
      const { id, added } = await this.repo.saveBlob('data', chunk);
      content.push(id);
      size += chunk.length;
      this.countAdded(added);
      this.progress?.addBytes(chunk.length);
    }
    this.stats.bytesRead += size;
    return { content, size };
  }

  private countAdded(added: number): void {
    if (added === 0) return;
    this.stats.blobsAdded += 1;
    this.stats.bytesAdded += added;
  }

  private async saveTree(nodes: NodeJson[]): Promise<string> {
    const { id, added } = await this.repo.saveBlob('tree', encodeTree(nodes));
    this.countAdded(added);
    return id;
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
