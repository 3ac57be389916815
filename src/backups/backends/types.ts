/** The kinds of files in a restic repository; each lives in its own folder (data is fanned out by prefix). */
export type FileType = 'config' | 'keys' | 'locks' | 'snapshots' | 'index' | 'data';

export interface FileHandle {
  type: FileType;
  /** The storage id in hex; ignored for `config`. */
  name: string;
}

export interface FileInfo {
  name: string;
  size: number;
}

/**
 * Where a repository's files are kept. Files are written once and never changed, so a backend only
 * needs whole-file atomic writes, ranged reads, listing and deletion.
 *
 * @example const data = await backend.load({ type: 'data', name: id }, offset, length)
 */
export interface Backend {
  /** A human description of where the repository is, without secrets. */
  readonly location: string;
  /** Creates the folders the layout needs; a no-op for object stores. */
  prepare(): Promise<void>;
  exists(handle: FileHandle): Promise<boolean>;
  /** Writes a whole file so that readers never see it half-written. */
  save(handle: FileHandle, data: Buffer): Promise<void>;
  /** Reads `length` bytes from `offset` (the whole file when both are omitted); `offset` < 0 counts from the end. */
  load(handle: FileHandle, offset?: number, length?: number): Promise<Buffer>;
  list(type: Exclude<FileType, 'config'>): Promise<FileInfo[]>;
  remove(handle: FileHandle): Promise<void>;
  close(): Promise<void>;
}

export const folderOf: Record<Exclude<FileType, 'config'>, string> = {
  keys: 'keys',
  locks: 'locks',
  snapshots: 'snapshots',
  index: 'index',
  data: 'data',
};

/** The path of a file relative to the repository root, in restic's default layout. */
export function relativePath(handle: FileHandle): string {
  if (handle.type === 'config') return 'config';
  if (handle.type === 'data') return `data/${handle.name.slice(0, 2)}/${handle.name}`;
  return `${folderOf[handle.type]}/${handle.name}`;
}

/** Every folder restic's `init` creates, so restic's local and sftp backends find the layout they expect. */
export function layoutFolders(): string[] {
  const fan = Array.from({ length: 256 }, (_, i) => `data/${i.toString(16).padStart(2, '0')}`);
  return [...Object.values(folderOf), ...fan];
}

/** Whether a listed name looks like a storage id; anything else (temp files, stray files) is skipped. */
export function isStorageName(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}
