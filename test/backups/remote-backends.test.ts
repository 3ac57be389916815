import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the test uses only run() and close().
import S3rver from 's3rver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3Backend } from '../../src/backups/backends/s3.js';
import { SftpBackend } from '../../src/backups/backends/sftp.js';
import type { Backend } from '../../src/backups/backends/types.js';
import { Repository } from '../../src/backups/repository/repository.js';
import { findSnapshot } from '../../src/backups/repository/snapshots.js';
import { restoreTree } from '../../src/backups/restore.js';
import { snapshotPaths } from '../../src/backups/snapshot-writer.js';
import { log, password } from './support/repo.js';
import { resticAsync, resticNeeds, resticReady } from './support/restic.js';
import { sshNeeds, sshReady, startSshd, type Sshd } from './support/sshd.js';
import { describeWhen } from './support/tools.js';
import { makeTrickyTree, manifest } from './support/tree-fixture.js';

let work: string;
let source: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-remote-'));
  source = join(work, 'source');
  await makeTrickyTree(source);
  // Bigger than one multipart part, so pack uploads exercise multipart.
  await writeFile(join(source, 'large.bin'), Buffer.alloc(12 * 1024 * 1024, 7));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Backs up through the backend, lets restic check and restore it, and restores it back with Upkeep. */
async function roundTrip(backend: Backend, resticRepo: string, resticEnv: Record<string, string>, resticArgs: string[] = []): Promise<void> {
  const repo = await Repository.init(backend, password);
  await snapshotPaths(repo, [source], { log });
  expect(await resticAsync(resticRepo, password, [...resticArgs, 'check', '--read-data'], resticEnv)).toContain('no errors were found');
  const byRestic = join(work, `restic-${Date.now()}`);
  await resticAsync(resticRepo, password, [...resticArgs, 'restore', 'latest', '--target', byRestic], resticEnv);
  expect(await manifest(join(byRestic, source))).toEqual(await manifest(source));
  const reopened = await Repository.open(backend, password);
  const byUpkeep = join(work, `upkeep-${Date.now()}`);
  await restoreTree(reopened, (await findSnapshot(reopened, 'latest')).tree, byUpkeep, { log });
  expect(await manifest(join(byUpkeep, source))).toEqual(await manifest(source));
  await backend.close();
}

describeWhen(resticReady, resticNeeds, 'S3 backend (s3rver on loopback, read back by restic)', () => {
  let server: { run(): Promise<unknown>; close(): Promise<void> };
  let endpoint: string;
  beforeAll(async () => {
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(work, 's3'), configureBuckets: [{ name: 'backups', configs: [] }] });
    const { port } = (await server.run()) as { port: number };
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => server.close());

  it('writes a repository restic checks and restores, using multipart uploads for packs', async () => {
    const backend = new S3Backend({
      kind: 's3',
      endpoint,
      region: 'us-east-1',
      bucket: 'backups',
      prefix: 'site',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    });
    await roundTrip(backend, `s3:${endpoint}/backups/site`, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  });
});

describeWhen(sshReady, sshNeeds, 'SFTP backend (sshd on loopback, read back by restic)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd(join(work, 'ssh'));
  });
  afterAll(() => sshd?.stop());

  it('writes a repository restic checks and restores over its own sftp backend', async () => {
    const path = join(work, 'sftp-repo');
    const backend = new SftpBackend({ kind: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKeyPath: sshd.key, path });
    await roundTrip(backend, `sftp:${sshd.user}@127.0.0.1:${path}`, {}, sshd.resticArgs);
  });
});
