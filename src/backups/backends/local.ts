import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { isStorageName, layoutFolders, relativePath, type Backend, type FileHandle, type FileInfo, type FileType } from './types.js';

export const localBackendSchema = z.object({ kind: z.literal('local'), path: z.string().min(1) }).strict();
export type LocalBackendConfig = z.infer<typeof localBackendSchema>;

function notFound(handle: FileHandle, err: unknown): AppError {
  return new AppError('not_found', `repository file ${relativePath(handle)} does not exist`, { cause: err });
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A repository in a local folder (or a mounted network share). */
export class LocalBackend implements Backend {
  readonly location: string;
  private readonly root: string;

  constructor(config: LocalBackendConfig) {
    this.root = resolve(config.path);
    this.location = this.root;
  }

  async prepare(): Promise<void> {
    for (const folder of [...layoutFolders(), 'tmp']) await mkdir(join(this.root, folder), { recursive: true });
  }

  async exists(handle: FileHandle): Promise<boolean> {
    return stat(join(this.root, relativePath(handle))).then(
      () => true,
      (err: unknown) => {
        if (isMissing(err)) return false;
        throw err;
      },
    );
  }

  /** Written into `tmp/` (which restic never lists), flushed, then renamed: a crash leaves no half file. */
  async save(handle: FileHandle, data: Buffer): Promise<void> {
    const target = join(this.root, relativePath(handle));
    const temp = join(this.root, 'tmp', `${handle.name || 'config'}-${randomBytes(6).toString('hex')}`);
    await mkdir(dirname(temp), { recursive: true });
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
  }

  async load(handle: FileHandle, offset = 0, length?: number): Promise<Buffer> {
    const file = await open(join(this.root, relativePath(handle)), 'r').catch((err: unknown) => {
      throw isMissing(err) ? notFound(handle, err) : err;
    });
    try {
      const size = (await file.stat()).size;
      const start = offset < 0 ? Math.max(0, size + offset) : offset;
      const count = Math.min(length ?? size - start, size - start);
      const buf = Buffer.alloc(Math.max(0, count));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await file.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    } finally {
      await file.close();
    }
  }

  async list(type: Exclude<FileType, 'config'>): Promise<FileInfo[]> {
    const base = join(this.root, type);
    const folders = type === 'data' ? (await readdirOrEmpty(base)).map((d) => join(base, d)) : [base];
    const out: FileInfo[] = [];
    for (const folder of folders) {
      for (const name of await readdirOrEmpty(folder)) {
        if (!isStorageName(name)) continue;
        out.push({ name, size: (await stat(join(folder, name))).size });
      }
    }
    return out;
  }

  async remove(handle: FileHandle): Promise<void> {
    await rm(join(this.root, relativePath(handle)), { force: true });
  }

  async close(): Promise<void> {}
}

async function readdirOrEmpty(folder: string): Promise<string[]> {
  return readdir(folder).catch((err: unknown) => {
    if (isMissing(err)) return [];
    throw err;
  });
}
