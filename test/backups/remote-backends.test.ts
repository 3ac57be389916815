import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the test uses only run() and close().
import S3rver from 's3rver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3Backend } from '../../src/backups/backends/s3.js';
import { SftpBackend } from '../../src/backups/backends/sftp.js';
import type { Backend } from '../../src/backups/backends/types.js';
import { onHostKeyPinned, type PinnedHostKey } from '../../src/backups/known-hosts.js';
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

  const sftp = (path: string, knownHostsFile: string) =>
    new SftpBackend({ kind: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKeyPath: sshd.key, path, knownHostsFile });

  it('writes a repository restic checks and restores over its own sftp backend', async () => {
    const path = join(work, 'sftp-repo');
    await roundTrip(sftp(path, join(work, 'known_hosts')), `sftp:${sshd.user}@127.0.0.1:${path}`, {}, sshd.resticArgs);
  });

  it('pins the host key on first use (and says so), keeps using it, and refuses a changed key naming both fingerprints', async () => {
    const knownHosts = join(work, 'pins', 'known_hosts');
    const pins: PinnedHostKey[] = [];
    const stop = onHostKeyPinned((pin) => pins.push(pin));
    try {
      const first = sftp(work, knownHosts);
      expect(await first.exists({ type: 'config', name: '' })).toBe(false);
      await first.close();
      expect(pins).toEqual([{ host: '127.0.0.1', port: sshd.port, fingerprint: sshd.hostKeySha256, file: knownHosts }]);
      const line = await readFile(knownHosts, 'utf8');
      expect(line).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 AAAA\\S+\\n$`));
      // ssh itself accepts the file as its known_hosts: the pin is the key sshd really has.
      const viaSsh = spawnSync('ssh', [
        '-i',
        sshd.key,
        '-p',
        String(sshd.port),
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'BatchMode=yes',
        `${sshd.user}@127.0.0.1`,
        'true',
      ]);
      expect(viaSsh.status, viaSsh.stderr.toString()).toBe(0);

      const again = sftp(work, knownHosts);
      expect(await again.exists({ type: 'config', name: '' })).toBe(false);
      await again.close();
      expect(pins).toHaveLength(1);

      // The server now shows a key other than the pinned one (here: the pin is of another key).
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'pins', 'other')]);
      const other = (await readFile(join(work, 'pins', 'other.pub'), 'utf8')).split(' ');
      await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${other[0]} ${other[1]}\n`);
      const otherFingerprint = spawnSync('ssh-keygen', ['-lf', join(work, 'pins', 'other.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
      const changed = sftp(work, knownHosts);
      await expect(changed.exists({ type: 'config', name: '' })).rejects.toMatchObject({
        code: 'unavailable',
        message: `cannot open SFTP to ${sshd.user}@127.0.0.1:${sshd.port}: its host key changed: it is ${sshd.hostKeySha256} now, but ${otherFingerprint} was pinned in ${knownHosts}. If the server's key really changed, delete its line there (or give the new key as hostKeySha256); otherwise someone may be in between`,
      });
      await changed.close().catch(() => undefined);
      expect(pins).toHaveLength(1);
    } finally {
      stop();
    }
  });
});
