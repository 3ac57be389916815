import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../../../src/app.js';
import { runBackup } from '../../../src/backups/backup.service.js';
import { config } from '../../support/core.js';
import { log, password } from './repo.js';

/**
 * Two sites of two clients, each with a backup job in one shared local repository, a restore root,
 * and a snapshot of each job: what the backups API and dashboard tests browse and restore.
 */
export async function backupWorld(core: Core, extraSites = '') {
  // Apart from the data folder: a restore root overlapping Upkeep's own files is refused.
  const root = await mkdtemp(join(tmpdir(), 'upkeep-backups-'));
  const www = join(root, 'www');
  const other = join(root, 'other');
  const restoreRoot = join(root, 'restores');
  const repoPath = join(root, 'repo');
  await mkdir(join(www, 'site', 'assets', 'img'), { recursive: true });
  await mkdir(other, { recursive: true });
  await mkdir(restoreRoot);
  await writeFile(join(www, 'site', 'index.html'), '<h1>Add to cart</h1>');
  await writeFile(join(www, 'site', 'assets', 'logo.png'), randomBytes(300_000));
  await writeFile(join(www, 'site', 'assets', 'img', 'hero.jpg'), randomBytes(70_000));
  await writeFile(join(www, 'site', 'assets', 'style.css'), 'body { color: #123 }\n'.repeat(500));
  await symlink('../index.html', join(www, 'site', 'assets', 'home.html'));
  // A link out of the site (a hostile or careless site has them): restored as a link, never written through.
  const outside = join(root, 'outside');
  await mkdir(join(outside, 'etc'), { recursive: true });
  await symlink(outside, join(www, 'site', 'escape'));
  await writeFile(join(other, 'zulu-secret.txt'), 'the other client’s file');
  const env = { UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough', UPKEEP_BACKUP_PASSWORD: password };
  const yaml = `
sites:
  - name: Shop
    tags: [client-a]
  - name: Zulu Site
    tags: [client-b]
${extraSites}
backups:
  restoreRoot: ${restoreRoot}
  repositories:
    main: { backend: { kind: local, path: ${repoPath} }, password: '\${UPKEEP_BACKUP_PASSWORD}' }
    zulu-repo: { backend: { kind: local, path: ${repoPath}-zulu }, password: '\${UPKEEP_BACKUP_PASSWORD}' }
  jobs:
    - { name: www, site: Shop, repository: main, source: { kind: dir, paths: ['${www}'] }, schedule: '0 0 1 1 *' }
    - { name: zulu-files, site: Zulu Site, repository: zulu-repo, source: { kind: dir, paths: ['${other}'] }, schedule: '0 0 1 1 *' }
  verify: { schedule: '0 0 1 1 *', fullReadSchedule: '0 0 1 1 *' }
  drills: { schedule: '0 0 1 1 *' }
`;
  const loaded = config(yaml, env);
  await core.sync.apply(loaded, { dryRun: false });
  const backups = loaded.config.backups!;
  const snapshots: Record<string, string> = {};
  for (const job of backups.jobs) {
    const result = await runBackup(job, backups.repositories[job.repository]!, { log });
    if (!result.ok) throw new Error(result.message);
    snapshots[job.name] = result.stats!.snapshotId;
  }
  return { root, loaded, env, yaml, www, other, outside, restoreRoot, repoPath, snapshots };
}
