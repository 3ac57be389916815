import type { EntryStat } from '../archive/source-fs.js';
import { AppError } from '../../lib/errors.js';

/** A tree entry as restic's node.go encodes it; `content` is `[]` for an empty file and `null` for a folder. */
export interface NodeJson {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'dev' | 'chardev' | 'fifo' | 'socket';
  mode?: number;
  mtime: string;
  atime: string;
  ctime: string;
  uid: number;
  gid: number;
  user?: string;
  group?: string;
  inode?: number;
  device_id?: number;
  size?: number;
  links?: number;
  linktarget?: string;
  content: string[] | null;
  subtree?: string;
}

export interface TreeJson {
  nodes: NodeJson[];
}

/** Go's os.FileMode bits, which restic stores instead of POSIX st_mode. */
const goModeDir = 2 ** 31;
const goModeSymlink = 2 ** 27;
const goSetuid = 2 ** 23;
const goSetgid = 2 ** 22;
const goSticky = 2 ** 20;

export function goMode(posixMode: number, kind: 'file' | 'dir' | 'symlink'): number {
  let mode = posixMode & 0o777;
  if (posixMode & 0o4000) mode += goSetuid;
  if (posixMode & 0o2000) mode += goSetgid;
  if (posixMode & 0o1000) mode += goSticky;
  if (kind === 'dir') mode += goModeDir;
  if (kind === 'symlink') mode += goModeSymlink;
  return mode;
}

/** The chmod bits (permissions plus setuid/setgid/sticky) of a restic node. */
export function posixPermissions(mode: number | undefined): number {
  if (mode === undefined) return 0o644;
  const high = Math.floor(mode / 2 ** 20);
  let perm = mode % 512;
  if (Math.floor(high / 8) % 2) perm |= 0o4000;
  if (Math.floor(high / 4) % 2) perm |= 0o2000;
  if (high % 2) perm |= 0o1000;
  return perm;
}

/** RFC 3339 with nanoseconds from a bigint nanosecond timestamp, as Go's time.Time marshals it. */
export function formatNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  const fraction = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

/** Seconds since the epoch (with fraction) for utimes; restic's times may carry any zone offset. */
export function parseTime(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new AppError('invalid_input', `unreadable time ${JSON.stringify(text)} in a tree`);
  const nanos = /\.(\d+)/.exec(text)?.[1];
  const subMs = nanos && nanos.length > 3 ? Number(`0.${nanos.slice(3)}`) : 0;
  return (ms + subMs) / 1000;
}

export function nodeFromStat(name: string, st: EntryStat, kind: 'file' | 'dir' | 'symlink'): NodeJson {
  return {
    name,
    type: kind,
    mode: goMode(st.mode, kind),
    mtime: formatNs(st.mtimeNs),
    atime: formatNs(st.atimeNs),
    ctime: formatNs(st.ctimeNs),
    uid: st.uid,
    gid: st.gid,
    inode: st.ino,
    device_id: st.dev,
    ...(kind === 'file' ? { size: st.size } : {}),
    links: st.nlink,
    content: kind === 'file' ? [] : null,
  };
}

/** Trees are sorted by the bytes of the names, as Go compares strings; restic's check expects that order. */
export function sortNodes(nodes: NodeJson[]): NodeJson[] {
  return nodes.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

export function encodeTree(nodes: NodeJson[]): Buffer {
  return Buffer.from(`${JSON.stringify({ nodes: sortNodes(nodes) })}\n`);
}

export function decodeTree(data: Buffer): TreeJson {
  const tree = JSON.parse(data.toString('utf8')) as TreeJson;
  if (!Array.isArray(tree.nodes)) throw new AppError('invalid_input', 'a tree blob has no node list');
  return tree;
}
