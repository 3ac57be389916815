import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the test uses only run() and close().
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backups/backends/local.js';
import { S3Backend } from '../../src/backups/backends/s3.js';
import { SftpBackend } from '../../src/backups/backends/sftp.js';
import type { Backend, FileType } from '../../src/backups/backends/types.js';
import { sshNeeds, sshReady, startSshd, type Sshd } from './support/sshd.js';
import { describeWhen } from './support/tools.js';

/**
 * One contract, written once, for every place a repository can live: what the repository code relies on
 * from a backend. Each backend runs it against the real thing (a folder, s3rver, OpenSSH's sftp server).
 */
interface Subject {
  /** A backend on a fresh, empty location (prepared or not, as `prepare` says). */
  fresh(prepare: boolean): Promise<Backend>;
  /** A backend whose listing cannot work (the location is broken, not missing). */
  broken(): Promise<Backend>;
  /** Why this test server, unlike the real service, can show a file while it is being written. */
  showsWritesInProgress?: string;
}

const name = (): string => randomBytes(32).toString('hex');
const types: Exclude<FileType, 'config'>[] = ['keys', 'locks', 'snapshots', 'index', 'data'];

function contract(subject: () => Subject): void {
  it('saves, loads whole and in ranges (a negative offset counts from the end), and tells what exists', async () => {
    const backend = await subject().fresh(true);
    const data = randomBytes(100_000);
    const handle = { type: 'data', name: name() } as const;
    expect(await backend.exists(handle)).toBe(false);
    await backend.save(handle, data);
    expect(await backend.exists(handle)).toBe(true);
    expect((await backend.load(handle)).equals(data)).toBe(true);
    expect((await backend.load(handle, 1000, 500)).equals(data.subarray(1000, 1500))).toBe(true);
    expect((await backend.load(handle, -300)).equals(data.subarray(-300))).toBe(true);
    expect((await backend.load(handle, 99_900, 1000)).equals(data.subarray(99_900))).toBe(true);
    await backend.save({ type: 'config', name: '' }, Buffer.from('config'));
    expect((await backend.load({ type: 'config', name: '' })).toString()).toBe('config');
  });

  it('answers not_found for a missing file, also for a read from its end', async () => {
    const backend = await subject().fresh(true);
    const handle = { type: 'index', name: name() } as const;
    await expect(backend.load(handle)).rejects.toMatchObject({ code: 'not_found' });
    await expect(backend.load(handle, -100)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lists names and sizes per type, skipping names that are not storage ids', async () => {
    const backend = await subject().fresh(true);
    const files = types.map((type, i) => ({ type, name: name(), size: 10 + i }));
    for (const f of files) await backend.save(f, randomBytes(f.size));
    for (const f of files) expect(await backend.list(f.type)).toEqual([{ name: f.name, size: f.size }]);
    expect(await backend.list('data')).toHaveLength(1);
  });

  it('lists an empty repository, and a location that does not exist yet, as empty', async () => {
    const prepared = await subject().fresh(true);
    const missing = await subject().fresh(false);
    for (const type of types) {
      expect(await prepared.list(type)).toEqual([]);
      expect(await missing.list(type)).toEqual([]);
    }
  });

  it('fails a listing it cannot do instead of answering that the repository is empty', async () => {
    const backend = await subject().broken();
    await expect(backend.list('snapshots')).rejects.toThrow();
  });

  it('removes files, and removing a missing file is not an error', async () => {
    const backend = await subject().fresh(true);
    const handle = { type: 'locks', name: name() } as const;
    await backend.save(handle, Buffer.from('lock'));
    await backend.remove(handle);
    await backend.remove(handle);
    expect(await backend.exists(handle)).toBe(false);
    expect(await backend.list('locks')).toEqual([]);
  });

  it('takes concurrent writes, and saving the same name again keeps one whole file', async () => {
    const backend = await subject().fresh(true);
    const files = Array.from({ length: 12 }, (_, i) => ({ type: 'data' as const, name: name(), data: randomBytes(1000 * (i + 1)) }));
    await Promise.all(files.map((f) => backend.save(f, f.data)));
    await backend.save(files[0]!, files[0]!.data);
    const listed = await backend.list('data');
    expect(listed.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      files.map((f) => ({ name: f.name, size: f.data.length })).sort((a, b) => a.name.localeCompare(b.name)),
    );
    for (const f of files) expect((await backend.load(f)).equals(f.data)).toBe(true);
  });

  it('never shows a file half-written: whatever a listing sees during a save has its full size', async () => {
    const { showsWritesInProgress, ...make } = subject();
    const backend = await make.fresh(true);
    const big = { type: 'data' as const, name: name() };
    const data = randomBytes(12 * 1024 * 1024);
    let saved = false;
    const saving = backend.save(big, data).finally(() => (saved = true));
    const seen: number[] = [];
    while (!saved) for (const f of await backend.list('data')) seen.push(f.size);
    await saving;
    if (showsWritesInProgress === undefined) expect(seen.filter((size) => size !== data.length)).toEqual([]);
    expect(await backend.list('data')).toEqual([{ name: big.name, size: data.length }]);
  });
}

let work: string;
const opened: Backend[] = [];
const track = (backend: Backend): Backend => (opened.push(backend), backend);
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-backends-'));
});
afterAll(async () => {
  for (const backend of opened) await backend.close();
  await rm(work, { recursive: true, force: true });
});

describe('backend contract: local folder', () => {
  contract(() => ({
    async fresh(prepare) {
      const backend = track(new LocalBackend({ kind: 'local', path: join(work, 'local', name()) }));
      if (prepare) await backend.prepare();
      return backend;
    },
    async broken() {
      // The snapshots "folder" is a file: the listing fails with ENOTDIR, not "missing".
      const path = join(work, 'local', name());
      await mkdir(path, { recursive: true });
      await writeFile(join(path, 'snapshots'), 'not a folder');
      return track(new LocalBackend({ kind: 'local', path }));
    },
  }));
});

describe('backend contract: S3 (s3rver)', () => {
  let server: { run(): Promise<unknown>; close(): Promise<void> };
  let endpoint: string;
  beforeAll(async () => {
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(work, 's3'), configureBuckets: [{ name: 'backups', configs: [] }] });
    endpoint = `http://127.0.0.1:${((await server.run()) as { port: number }).port}`;
  });
  afterAll(async () => server.close());
  const s3 = (bucket: string, prefix: string): Backend =>
    track(new S3Backend({ kind: 's3', endpoint, region: 'us-east-1', bucket, prefix, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true }));
  contract(() => ({
    async fresh(prepare) {
      const backend = s3('backups', `repo-${name().slice(0, 12)}`);
      if (prepare) await backend.prepare();
      return backend;
    },
    broken: async () => s3('no-such-bucket', 'repo'),
    // S3 and MinIO publish a multipart upload when it completes; s3rver then copies the parts into place.
    showsWritesInProgress: 's3rver assembles a completed multipart upload in place',
  }));
});

describeWhen(sshReady, sshNeeds, 'backend contract: SFTP (OpenSSH)', () => {
  let sshd: Sshd;
  let denying: Sshd;
  beforeAll(async () => {
    sshd = await startSshd(join(work, 'ssh'));
    // A server whose policy refuses to open folders: every listing is "permission denied".
    denying = await startSshd(join(work, 'ssh-denying'), ['-P', 'opendir']);
  });
  afterAll(() => {
    sshd?.stop();
    denying?.stop();
  });
  const sftp = (server: Sshd, path: string): Backend =>
    track(new SftpBackend({ kind: 'sftp', host: '127.0.0.1', port: server.port, username: server.user, privateKeyPath: server.key, path }));
  contract(() => ({
    async fresh(prepare) {
      const backend = sftp(sshd, join(work, 'sftp', name()));
      if (prepare) await backend.prepare();
      return backend;
    },
    broken: async () => sftp(denying, join(work, 'sftp')),
  }));

  it('names the location and the cause when a listing fails', async () => {
    const backend = sftp(denying, join(work, 'sftp'));
    await expect(backend.list('index')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^cannot list index in sftp:.*: /) });
  });
});
