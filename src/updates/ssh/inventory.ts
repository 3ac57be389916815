import { posix } from 'node:path';
import { promisify } from 'node:util';
import type { FileEntryWithStats } from 'ssh2';
import { isSftpMissing, openSsh, shellQuote, type SftpSession, type SshConnection } from '../../backups/sftp-connection.js';
import { parallel } from '../../audits/concurrency.js';
import { describeError } from '../../lib/errors.js';
import { mergeObserved, type Observed } from '../component.js';
import { commandProbes, insideReaders, readInside, type CommandProbe, type FileInput, type InsideReader } from '../readers/inside/index.js';
import { connectionOf, describeTarget, type SshTarget } from './target.js';

export interface InsideInventory {
  /** user@host:/path */
  target: string;
  components: Observed[];
  /** Every file read, and how much of it (readers of headers read only the start). */
  files: { path: string; bytes: number }[];
  /** Every version command run, and whether it answered. */
  commands: { command: string; code: number | null }[];
  /** Files or folders that exist but could not be read (permissions): what the inventory may miss. */
  problems: string[];
}

const PARALLEL = 8;
const COMMAND_TIMEOUT_MS = 15_000;
const COMMAND_OUTPUT_BYTES = 16 * 1024;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** A `*` path segment as a test of names: `*` is any name, `*.php` any name ending so. */
function segmentTest(segment: string): (name: string) => boolean {
  if (!segment.includes('*')) return (name) => name === segment;
  const pattern = new RegExp(
    `^${segment
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
  return (name) => !name.startsWith('.') && pattern.test(name);
}

/** Reads what the site's folder and the system hold over one SFTP session; missing paths are simply not there. */
class RemoteFiles {
  readonly problems: string[] = [];

  constructor(private readonly sftp: SftpSession) {}

  private refused(path: string, err: unknown): void {
    if (!isSftpMissing(err)) this.problems.push(`${path}: ${describeError(err)}`);
  }

  private async list(dir: string): Promise<{ name: string; kind: 'dir' | 'file' | 'other' }[]> {
    const entries = await promisify(this.sftp.raw.readdir.bind(this.sftp.raw))(dir).catch((err: unknown) => {
      this.refused(dir, err);
      return [] as FileEntryWithStats[];
    });
    return parallel(
      entries.filter((e) => e.filename !== '.' && e.filename !== '..'),
      PARALLEL,
      async (e) => {
        // A symlinked plugin or theme folder is followed, as PHP follows it.
        const mode =
          (e.attrs.mode & S_IFMT) === 0o120000 ? ((await this.sftp.stat(posix.join(dir, e.filename)).catch(() => undefined))?.mode ?? 0) : e.attrs.mode;
        const type = mode & S_IFMT;
        return { name: e.filename, kind: type === S_IFDIR ? 'dir' : type === S_IFREG ? 'file' : 'other' };
      },
    );
  }

  /** Every existing file a pattern names (`*` is one segment), below `root` unless the pattern is absolute. */
  async expand(root: string, pattern: string): Promise<string[]> {
    const segments = pattern.split('/').filter(Boolean);
    let current = [pattern.startsWith('/') ? '/' : root];
    for (const [i, segment] of segments.entries()) {
      const last = i === segments.length - 1;
      if (!segment.includes('*')) {
        current = current.map((dir) => posix.join(dir, segment));
        continue;
      }
      const test = segmentTest(segment);
      const lists = await parallel(current, PARALLEL, async (dir) => (await this.list(dir)).map((e) => ({ ...e, path: posix.join(dir, e.name) })));
      current = lists.flat().flatMap((e) => (test(e.name) && e.kind === (last ? 'file' : 'dir') ? [e.path] : []));
    }
    if (segments.at(-1)?.includes('*')) return current;
    const exists = await parallel(current, PARALLEL, async (path) => {
      const st = await this.sftp.stat(path).catch((err: unknown) => {
        this.refused(path, err);
        return undefined;
      });
      return st && (st.mode & S_IFMT) === S_IFREG ? path : undefined;
    });
    return exists.filter((p): p is string => p !== undefined);
  }

  /** The first `maxBytes` of a file (readers of headers need only the start, as WordPress reads them). */
  read(path: string, maxBytes: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      const input = this.sftp.raw.createReadStream(path, { start: 0, end: maxBytes - 1 });
      input.on('data', (chunk: Buffer) => parts.push(chunk));
      input.on('error', (err: unknown) => {
        this.refused(path, err);
        resolve(undefined);
      });
      input.on('end', () => resolve(Buffer.concat(parts)));
    });
  }
}

/** Runs one version command (fixed argv from `commandProbes`, quoted word by word); a missing command is an answer too. */
async function probe(ssh: SshConnection, p: CommandProbe): Promise<{ command: string; code: number | null; found: Observed[] }> {
  const command = p.command.join(' ');
  const line = `${p.command.map(shellQuote).join(' ')} </dev/null`;
  const result = await ssh.exec(line, { maxBytes: COMMAND_OUTPUT_BYTES, timeoutMs: COMMAND_TIMEOUT_MS });
  return { command, code: result.code, found: result.code === 0 ? p.parse(result.output) : [] };
}

/**
 * Inventory of a site from inside over an open SSH connection: the files every inside reader names
 * (WordPress core, plugins and themes, lock files, OS package databases, os-release), read over
 * SFTP, and the version commands of `commandProbes`. Only reads: a read-only account is enough.
 */
export async function inventoryInsideOver(ssh: SshConnection, target: SshTarget): Promise<InsideInventory> {
  const sftp = await ssh.sftp();
  try {
    const files = new RemoteFiles(sftp);
    const wanted = new Map<string, number>();
    for (const reader of Object.values<InsideReader>(insideReaders)) {
      for (const pattern of reader.paths) {
        for (const path of await files.expand(target.root, pattern)) wanted.set(path, Math.max(wanted.get(path) ?? 0, reader.maxBytes));
      }
    }
    const read = await parallel([...wanted], PARALLEL, async ([path, maxBytes]) => {
      const data = await files.read(path, maxBytes);
      return data === undefined ? undefined : { path, content: data.toString('utf8'), bytes: data.length };
    });
    const inputs = read.filter((f): f is FileInput & { bytes: number } => f !== undefined);
    const probes = [];
    for (const p of Object.values<CommandProbe>(commandProbes)) probes.push(await probe(ssh, p));
    // Paths are reported relative to the site's folder, as readers of local files see them.
    const relative = (path: string) => (path.startsWith(`${target.root}/`) ? path.slice(target.root.length + 1) : path);
    const components = mergeObserved([...readInside(inputs.map((f) => ({ path: relative(f.path), content: f.content }))), ...probes.flatMap((p) => p.found)]);
    return {
      target: describeTarget(target),
      components,
      files: inputs.map((f) => ({ path: relative(f.path), bytes: f.bytes })),
      commands: probes.map(({ command, code }) => ({ command, code })),
      problems: files.problems,
    };
  } finally {
    await sftp.close();
  }
}

/**
 * Connects (host key checked or pinned like SFTP backups), takes the inventory and closes.
 *
 * @example const inv = await inventoryOverSsh({ host: 'web1', port: 22, username: 'deploy', privateKeyPath: key, root: '/var/www/shop' })
 */
export async function inventoryOverSsh(target: SshTarget): Promise<InsideInventory> {
  const ssh = await openSsh(connectionOf(target));
  try {
    return await inventoryInsideOver(ssh, target);
  } finally {
    await ssh.close();
  }
}
