import { Readable } from 'node:stream';
import { pack as tarPack, type Header } from 'tar-stream';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Repository } from './repository/repository.js';
import { decodeTree, parseTime, posixPermissions, type NodeJson } from './repository/tree.js';
import { isSafeName } from './restore.js';

/** One entry of a snapshot's folder as the API shows it. */
export interface TreeEntry {
  name: string;
  /** Absolute within the snapshot, like restic shows it: `/var/www/index.html`. */
  path: string;
  type: NodeJson['type'];
  size: number | null;
  mtime: string;
  /** POSIX permission bits (0o644 is 420). */
  mode: number;
  linkTarget: string | null;
}

/** The parts of a snapshot path; refuses anything that is not a plain absolute path. */
export function pathParts(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  if (!path.startsWith('/') || parts.some((p) => !isSafeName(p)))
    throw new AppError('invalid_input', `path: expected an absolute path in the snapshot like "/var/www", got ${JSON.stringify(path)}`, {
      details: [{ path: 'path', message: 'expected an absolute path in the snapshot' }],
    });
  return parts;
}

const joinPath = (parts: readonly string[]) => `/${parts.join('/')}`;

function entryOf(node: NodeJson, parent: readonly string[]): TreeEntry {
  return {
    name: node.name,
    path: joinPath([...parent, node.name]),
    type: node.type,
    size: node.type === 'file' ? (node.size ?? 0) : null,
    mtime: node.mtime,
    mode: posixPermissions(node.mode),
    linkTarget: node.type === 'symlink' ? (node.linktarget ?? '') : null,
  };
}

/** The node at `parts` below the tree (undefined for the root itself); 404 when there is none. */
async function nodeAt(repo: Repository, treeId: string, parts: readonly string[]): Promise<{ node: NodeJson | undefined; treeId: string | undefined }> {
  let current: NodeJson | undefined;
  let tree: string | undefined = treeId;
  for (const [i, part] of parts.entries()) {
    if (tree === undefined) throw new AppError('not_found', `${joinPath(parts.slice(0, i))} is not a folder in this snapshot`);
    current = decodeTree(await repo.loadBlob(tree)).nodes.find((n) => n.name === part);
    if (!current) throw new AppError('not_found', `${joinPath(parts.slice(0, i + 1))} is not in this snapshot`);
    tree = current.type === 'dir' ? current.subtree : undefined;
  }
  return { node: current, treeId: tree };
}

/** One folder of a snapshot, folders first, then by name. */
export async function listFolder(repo: Repository, treeId: string, path: string): Promise<TreeEntry[]> {
  const parts = pathParts(path);
  const { treeId: folder } = await nodeAt(repo, treeId, parts);
  if (folder === undefined) throw new AppError('invalid_input', `${joinPath(parts)} is a file, not a folder`);
  const nodes = decodeTree(await repo.loadBlob(folder)).nodes.filter((n) => isSafeName(n.name));
  return nodes.map((n) => entryOf(n, parts)).sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
}

/** Entries whose name contains `query` (ignoring case), in tree order, at most `limit`; `truncated` when there were more. */
export async function searchNames(repo: Repository, treeId: string, query: string, limit: number): Promise<{ matches: TreeEntry[]; truncated: boolean }> {
  const needle = query.toLowerCase();
  const matches: TreeEntry[] = [];
  const queue: { tree: string; parts: string[] }[] = [{ tree: treeId, parts: [] }];
  while (queue.length > 0) {
    const { tree, parts } = queue.shift()!;
    for (const node of decodeTree(await repo.loadBlob(tree)).nodes) {
      if (!isSafeName(node.name)) continue;
      if (node.name.toLowerCase().includes(needle)) {
        if (matches.length === limit) return { matches, truncated: true };
        matches.push(entryOf(node, parts));
      }
      if (node.type === 'dir' && node.subtree) queue.push({ tree: node.subtree, parts: [...parts, node.name] });
    }
  }
  return { matches, truncated: false };
}

/** Checks that every path is in the snapshot (404 naming the first that is not) before anything is written or sent. */
export async function assertPaths(repo: Repository, treeId: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) await nodeAt(repo, treeId, pathParts(path));
}

/**
 * A tar stream of the snapshot's `paths` (all of it when empty), laid out as `restic restore` would
 * (`var/www/index.html`). Blobs are read one at a time as the client takes them; a blob that cannot be
 * read ends the stream with an error, so a broken archive is never mistaken for a whole one.
 */
export function tarArchive(repo: Repository, treeId: string, paths: readonly string[], log: Logger): Readable {
  const pack = tarPack();
  const wanted = paths.length ? paths.map(pathParts) : [[]];
  const write = (header: Partial<Header> & Pick<Header, 'name'>) =>
    new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));

  const addNode = async (node: NodeJson, parts: string[]): Promise<void> => {
    const name = parts.join('/');
    const common = { name, mode: posixPermissions(node.mode), mtime: new Date(parseTime(node.mtime)), uid: node.uid, gid: node.gid };
    if (node.type === 'dir') {
      await write({ ...common, type: 'directory' });
      if (node.subtree) await addTree(node.subtree, parts);
    } else if (node.type === 'symlink') {
      await write({ ...common, type: 'symlink', linkname: node.linktarget ?? '' });
    } else if (node.type === 'file') {
      const size = node.size ?? 0;
      let sent = 0;
      const entry = pack.entry({ ...common, type: 'file', size });
      const done = new Promise<void>((resolve, reject) => {
        entry.on('finish', () => resolve());
        entry.on('error', (err: Error) => reject(err));
      });
      for (const id of node.content ?? []) {
        const data = await repo.loadBlob(id);
        sent += data.length;
        if (sent > size) throw new AppError('internal', `${name} is longer in the repository than its recorded size`);
        if (!entry.write(data)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
      }
      if (sent !== size) throw new AppError('internal', `${name} is shorter in the repository than its recorded size`);
      entry.end(undefined);
      await done;
    } else log.info({ path: name, type: node.type }, 'a special file is left out of the archive');
  };
  const addTree = async (tree: string, parts: string[]): Promise<void> => {
    for (const node of decodeTree(await repo.loadBlob(tree)).nodes) {
      if (isSafeName(node.name)) await addNode(node, [...parts, node.name]);
      else log.warn({ name: node.name }, 'an entry with an unsafe name is left out of the archive');
    }
  };
  const run = async () => {
    for (const parts of wanted) {
      // The folders above a chosen path come first, so the archive unpacks anywhere.
      for (let i = 1; i < parts.length; i++) await write({ name: parts.slice(0, i).join('/'), type: 'directory', mode: 0o755 });
      const { node, treeId: below } = await nodeAt(repo, treeId, parts);
      if (node) await addNode(node, parts);
      else if (below) await addTree(below, []);
    }
    pack.finalize();
  };
  run().catch((err: unknown) => {
    log.error({ err }, 'the archive could not be completed');
    pack.destroy(err as Error);
  });
  return Readable.from(pack);
}
