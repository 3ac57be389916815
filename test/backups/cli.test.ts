import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the test uses only run() and close().
import S3rver from 's3rver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { password } from './support/repo.js';
import { restic, resticAsync, resticNeeds, resticReady } from './support/restic.js';
import { sshNeeds, sshReady, startSshd, type Sshd } from './support/sshd.js';
import { describeWhen } from './support/tools.js';
import { makeTrickyTree, manifest } from './support/tree-fixture.js';

let work: string;
let source: string;
const env = { UPKEEP_BACKUP_PASSWORD: password };
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-cli-backup-'));
  source = join(work, 'site');
  await makeTrickyTree(source);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describeWhen(resticReady, resticNeeds, 'upkeep backup (the real CLI, judged by restic)', () => {
  const repo = () => join(work, 'repo');

  it('runs, lists, restores, verifies and forgets', async () => {
    const first = await runCli(['backup', 'run', '--repo', repo(), source], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^snapshot [0-9a-f]{8} saved: 6 new, 0 changed, 0 unmodified files; .* added, .*\/s\n$/);
    expect(restic(repo(), password, ['check', '--read-data'])).toContain('no errors were found');

    await appendFile(join(source, 'docs', 'readme.txt'), 'a second line\n');
    const second = await runCli(['backup', 'run', '--repo', repo(), '--tag', 'manual', source], { env });
    expect(second.stdout).toMatch(/saved: 0 new, 1 changed, 5 unmodified files/);
    const byRestic = JSON.parse(restic(repo(), password, ['snapshots', '--json'])) as { short_id: string; paths: string[]; tags?: string[] }[];
    expect(byRestic.map((s) => s.paths)).toEqual([[source], [source]]);
    expect(byRestic[1]!.tags).toEqual(['manual']);

    const list = await runCli(['backup', 'list', '--repo', repo()], { env });
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual([...byRestic.map((s) => s.short_id), '2']);
    expect(lines[1]).toContain(`${source}  [manual]`);

    const latest = join(work, 'restored-latest');
    const restored = await runCli(['backup', 'restore', '--repo', repo(), 'latest', '--target', latest], { env });
    expect(restored.stdout).toMatch(/^restored snapshot [0-9a-f]{8}: 6 files, \d+ folders, 3 links/);
    expect(await manifest(join(latest, source))).toEqual(await manifest(source));
    // The first snapshot by id prefix, compared with restic's own restore of it.
    const old = join(work, 'restored-first');
    const oldByRestic = join(work, 'restored-first-by-restic');
    expect((await runCli(['backup', 'restore', '-r', repo(), byRestic[0]!.short_id.slice(0, 6), '-t', old], { env })).code).toBe(0);
    restic(repo(), password, ['restore', byRestic[0]!.short_id, '--target', oldByRestic]);
    expect(await manifest(join(old, source))).toEqual(await manifest(join(oldByRestic, source)));
    expect(await manifest(join(old, source))).not.toEqual(await manifest(source));

    const verified = await runCli(['backup', 'verify', '--repo', repo(), '--read-data'], { env });
    expect(verified.stdout).toMatch(/^no errors were found: 2 snapshots, \d+ packs, \d+ read in full\n$/);
    expect(verified.code).toBe(0);

    const forgot = await runCli(['backup', 'forget', '--repo', repo(), '--keep-last', '1', '--prune'], { env });
    expect(forgot.stdout).toContain(`removed snapshot ${byRestic[0]!.short_id}\nkept 1, removed 1 snapshot; freed `);
    const left = JSON.parse(restic(repo(), password, ['snapshots', '--json'])) as { short_id: string }[];
    expect(left.map((s) => s.short_id)).toEqual([byRestic[1]!.short_id]);
    expect(restic(repo(), password, ['check', '--read-data'])).toContain('no errors were found');
    // Nine CLI runs from source; each backup also starts worker threads, which load through tsx here.
  }, 120_000);

  it('reads the password from a file, and says in one line what is wrong', async () => {
    const file = join(work, 'password');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    expect((await runCli(['backup', 'list', '--repo', repo(), '--password-file', file])).stdout).toMatch(/^1 snapshot$/m);

    const cases: [string[], Record<string, string>, number, string][] = [
      [['backup', 'list', '--repo', repo()], { UPKEEP_BACKUP_PASSWORD: 'not the password' }, 1, `upkeep: wrong password for repository ${repo()}\n`],
      [['backup', 'list', '--repo', join(work, 'nothing-here')], env, 1, `upkeep: no repository at ${join(work, 'nothing-here')}\n`],
      [['backup', 'restore', '--repo', repo(), 'deadbeef', '--target', join(work, 'x')], env, 1, 'upkeep: no snapshot deadbeef\n'],
      [['backup', 'list', '--repo', repo()], {}, 2, 'upkeep: set UPKEEP_BACKUP_PASSWORD or pass --password-file: the repository password is needed\n'],
      [
        ['backup', 'run', '--repo', repo(), join(work, 'missing')],
        env,
        2,
        `upkeep: cannot back up ${join(work, 'missing')}: it does not exist or cannot be read\n`,
      ],
      [
        ['backup', 'list', '--repo', 'rest:http://127.0.0.1:8000/'],
        env,
        2,
        `upkeep: cannot use repository "rest:http://127.0.0.1:8000/": restic's "rest:" backend is not supported; use a folder, s3: or sftp:\n`,
      ],
      [['backup', 'forget', '--repo', repo()], env, 2, 'upkeep: name at least one --keep-… rule; without one nothing would be removed\n'],
    ];
    for (const [args, vars, code, stderr] of cases) {
      const res = await runCli(args, { env: vars });
      expect(res.stderr, args.join(' ')).toBe(stderr);
      expect(res.code, args.join(' ')).toBe(code);
      noStack(res.stderr);
    }
  }, 60_000);

  it('runs the backup jobs of a config file', async () => {
    const config = join(work, 'upkeep.yaml');
    const jobRepo = join(work, 'job-repo');
    await writeFile(
      config,
      `sites:\n  - name: Shop\nbackups:\n  repositories:\n    main: { backend: { kind: local, path: ${jobRepo} }, password: '\${UPKEEP_BACKUP_PASSWORD}' }\n` +
        `  jobs:\n    - { name: www, site: Shop, repository: main, source: { kind: dir, paths: ['${source}'] }, schedule: '0 3 * * *' }\n`,
    );
    const res = await runCli(['backup', 'run', '--config', config, '--job', 'www'], { env });
    expect(res.stdout).toMatch(/^www: snapshot [0-9a-f]{8}: \d+ bytes read, \d+ added \([\d.]+ s\)\n$/);
    expect(res.code).toBe(0);
    const snapshots = JSON.parse(restic(jobRepo, password, ['snapshots', '--json'])) as { tags: string[] }[];
    expect(snapshots.map((s) => s.tags)).toEqual([['upkeep-job:www']]);
    const unknown = await runCli(['backup', 'run', '--config', config, '--job', 'db'], { env });
    expect(unknown.stderr).toBe(`upkeep: ${config} has no backup job named "db"\n`);
    expect(unknown.code).toBe(2);
  }, 30_000);

  it('backs up to and restores from an s3: location in restic syntax', async () => {
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(work, 's3'),
      configureBuckets: [{ name: 'backups', configs: [] }],
    }) as {
      run(): Promise<{ port: number }>;
      close(): Promise<void>;
    };
    const { port } = await server.run();
    try {
      const location = `s3:http://127.0.0.1:${port}/backups/www`;
      const s3env = { ...env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
      expect((await runCli(['backup', 'run', '--repo', location, source], { env: s3env })).code).toBe(0);
      expect(await resticAsync(location, password, ['check', '--read-data'], s3env)).toContain('no errors were found');
      const target = join(work, 'restored-from-s3');
      expect((await runCli(['backup', 'restore', '--repo', location, 'latest', '--target', target], { env: s3env })).code).toBe(0);
      expect(await manifest(join(target, source))).toEqual(await manifest(source));
      const noKeys = await runCli(['backup', 'list', '--repo', location], { env });
      expect(noKeys.stderr).toBe(`upkeep: cannot use repository "${location}": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n`);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('has help with examples on every backup command, and the backups section in the schema', async () => {
    for (const cmd of ['run', 'list', 'restore', 'verify', 'forget']) {
      const res = await runCli(['backup', cmd, '--help']);
      expect(res.stdout, cmd).toContain('Examples:');
    }
    expect((await runCli(['restore-self', '--help'])).stdout).toContain('Examples:');
    const schema = JSON.parse((await runCli(['schema'])).stdout);
    expect(Object.keys(schema.properties.backups.properties)).toEqual(['repositories', 'jobs', 'verify', 'drills', 'restoreRoot', 'self']);
    expect(schema.properties.backups.properties.jobs.items.required).toEqual(['name', 'site', 'repository', 'source', 'schedule']);
  }, 60_000);
});

describeWhen(sshReady, sshNeeds, 'upkeep backup over sftp: (the real CLI, sshd on loopback, judged by restic)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd(join(work, 'ssh'));
  });
  afterAll(() => sshd?.stop());

  it('backs up to and restores from an sftp: location with a pinned host key, and refuses a host key that differs', async () => {
    const path = join(work, 'sftp-repo');
    const location = `sftp://${sshd.user}@127.0.0.1:${sshd.port}/${path}`;
    const ssh = ['--ssh-key', sshd.key, '--ssh-host-key', sshd.hostKeySha256];
    const ran = await runCli(['backup', 'run', '--repo', location, ...ssh, source], { env });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(await resticAsync(`sftp:${sshd.user}@127.0.0.1:${path}`, password, [...sshd.resticArgs, 'check', '--read-data'])).toContain('no errors were found');
    const target = join(work, 'restored-from-sftp');
    expect((await runCli(['backup', 'restore', '--repo', location, ...ssh, 'latest', '--target', target], { env })).code).toBe(0);
    expect(await manifest(join(target, source))).toEqual(await manifest(source));

    const impostor = await runCli(['backup', 'list', '--repo', location, '--ssh-key', sshd.key, '--ssh-host-key', `SHA256:${'A'.repeat(43)}`], { env });
    expect(impostor.stderr).toMatch(/^upkeep: cannot open SFTP to .*@127\.0\.0\.1:\d+: .*\n$/);
    expect(impostor.code).toBe(1);
  }, 60_000);
});
