import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { runCli } from '../support/cli.js';

const apiKey = 'hc-fixture-read-write-key';

/** The answers Healthchecks documents for its Management API v3 (healthchecks.io/docs/api/), one check of each kind. */
const checks = {
  checks: [
    {
      name: 'Filesystem Backup',
      slug: 'filesystem-backup',
      tags: 'backup fs',
      desc: 'Runs /usr/bin/backup.sh every hour',
      grace: 900,
      n_pings: 1,
      status: 'up',
      started: false,
      last_ping: '2020-03-24T14:02:03+00:00',
      next_ping: '2020-03-24T15:02:03+00:00',
      manual_resume: false,
      methods: '',
      subject: '',
      subject_fail: '',
      start_kw: '',
      success_kw: '',
      failure_kw: '',
      filter_subject: false,
      filter_body: false,
      uuid: '31365bce-8da9-4729-8ff3-aaa71d56b712',
      ping_url: 'https://hc-ping.com/31365bce-8da9-4729-8ff3-aaa71d56b712',
      update_url: 'https://healthchecks.io/api/v3/checks/31365bce-8da9-4729-8ff3-aaa71d56b712',
      pause_url: 'https://healthchecks.io/api/v3/checks/31365bce-8da9-4729-8ff3-aaa71d56b712/pause',
      resume_url: 'https://healthchecks.io/api/v3/checks/31365bce-8da9-4729-8ff3-aaa71d56b712/resume',
      channels: '1bdea674-6e1e-4e05-bd5c-f7d1ac3a4a38',
      timeout: 3600,
    },
    {
      name: 'Database Backup',
      slug: 'database-backup',
      tags: 'production db',
      desc: '',
      grace: 1200,
      n_pings: 7,
      status: 'paused',
      started: false,
      last_ping: '2020-03-23T10:19:32+00:00',
      next_ping: null,
      manual_resume: true,
      methods: 'POST',
      subject: 'SUCCESS',
      subject_fail: '',
      start_kw: '',
      success_kw: 'SUCCESS',
      failure_kw: '',
      filter_subject: true,
      filter_body: false,
      uuid: '803f680d-e89b-492b-82ef-2be7b774a92d',
      ping_url: 'https://hc-ping.com/803f680d-e89b-492b-82ef-2be7b774a92d',
      update_url: 'https://healthchecks.io/api/v3/checks/803f680d-e89b-492b-82ef-2be7b774a92d',
      pause_url: 'https://healthchecks.io/api/v3/checks/803f680d-e89b-492b-82ef-2be7b774a92d/pause',
      resume_url: 'https://healthchecks.io/api/v3/checks/803f680d-e89b-492b-82ef-2be7b774a92d/resume',
      channels: '',
      schedule: '15 5 * * *',
      tz: 'Europe/Riga',
    },
  ],
};
const channels = {
  channels: [
    { id: '4ec5a071-2d08-4baa-898a-eb4eb3cd6941', name: 'My Work Email', kind: 'email' },
    { id: '746a083e-f542-4359-b2b6-60ad5b3f4c4d', name: 'My Phone', kind: 'sms' },
  ],
};

describe('upkeep import healthchecks', () => {
  let api: TestServer;
  let dir: string;
  const seen: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upkeep-hc-'));
    api = await startHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const body = req.url === '/api/v3/checks/' ? checks : req.url === '/api/v3/channels/' ? channels : undefined;
      if (req.headers['x-api-key'] !== apiKey) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'missing api key' }));
      }
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: 'not found' }));
    });
  });
  afterAll(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('turns every check into a heartbeat with its period or cron schedule, grace and tags', { timeout: 120_000 }, async () => {
    const out = join(dir, 'upkeep.yaml');
    const result = await runCli(['import', 'healthchecks', '--url', api.origin, '--allow-private', '--site', 'Backups', '--output', out], {
      env: { HEALTHCHECKS_API_KEY: apiKey },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(seen).toContain('GET /api/v3/checks/');
    const written = parse(await readFile(out, 'utf8')) as { sites: { name: string; monitors: Record<string, unknown>[] }[] };
    expect(written.sites).toEqual([
      {
        name: 'Backups',
        monitors: [
          {
            name: 'Filesystem Backup',
            type: 'heartbeat',
            grace: '15m',
            description: 'Runs /usr/bin/backup.sh every hour',
            tags: ['backup', 'fs'],
            period: '1h',
          },
          {
            name: 'Database Backup',
            type: 'heartbeat',
            grace: '20m',
            tags: ['production', 'db'],
            paused: true,
            schedule: '15 5 * * *',
            timezone: 'Europe/Riga',
          },
        ],
      },
    ]);
    expect(result.stdout).toContain('- integration "My Work Email" (email):');
    expect(result.stdout).toContain('~ monitor "Backups/Database Backup": its email keyword filters were left out');
    const valid = await runCli(['validate', '--config', out]);
    expect(valid.stdout).toContain('is valid: 1 site(s), 2 monitor(s), 0 channel(s)');
  });

  it('says so when the key is refused or missing', { timeout: 120_000 }, async () => {
    const refused = await runCli(['import', 'healthchecks', '--url', api.origin, '--allow-private', '--dry-run'], { env: { HEALTHCHECKS_API_KEY: 'wrong' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the API key (HTTP 401)');
    const missing = await runCli(['import', 'healthchecks', '--url', api.origin, '--dry-run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('a Healthchecks API key is needed');
  });

  it('reaches a Healthchecks on a private address only when allowed', { timeout: 120_000 }, async () => {
    const blocked = await runCli(['import', 'healthchecks', '--url', api.origin, '--dry-run'], { env: { HEALTHCHECKS_API_KEY: apiKey } });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('addresses are blocked');
  });
});
