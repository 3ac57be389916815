import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, type CliResult } from '../support/cli.js';

const fixture = 'test/fixtures/gatus/config.yaml';
const slackUrl = 'https://hooks.slack.com/services/T000/B000/gatus-slack-secret';

type Monitor = Record<string, unknown> & { name: string };
interface Written {
  sites: { name: string; monitors: Monitor[] }[];
  channels: (Record<string, unknown> & { name: string; type: string })[];
}

describe('upkeep import gatus', () => {
  let dir: string;
  let result: CliResult;
  let written: Written;
  let env: string;
  const monitor = (site: string, name: string) => written.sites.find((s) => s.name === site)!.monitors.find((m) => m.name === name)!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upkeep-gatus-'));
    result = await runCli(['import', 'gatus', fixture, '--output', join(dir, 'upkeep.yaml')], { env: { SLACK_WEBHOOK_URL: slackUrl } });
    written = parse(await readFile(join(dir, 'upkeep.yaml'), 'utf8')) as Written;
    env = await readFile(join(dir, 'upkeep.env'), 'utf8');
  }, 120_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('turns groups into sites, endpoints into monitors and conditions into expectations', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(written.sites.map((s) => s.name)).toEqual(['core', 'internal', 'Gatus', 'jobs']);
    expect(monitor('core', 'front-end')).toMatchObject({
      type: 'http',
      url: 'https://example.org/',
      interval: '5m',
      expect: { status: [200], contains: 'Welcome' },
      degradedAfter: '1s',
      downAfter: 2,
      upAfter: 3,
      notify: ['slack', 'pagerduty'],
    });
    expect(monitor('core', 'front-end (certificate)')).toMatchObject({ type: 'tls', host: 'example.org', criticalDays: 10 });
    expect(monitor('core', 'back-end health')).toMatchObject({
      method: 'POST',
      body: '{"probe": true}',
      timeout: '5s',
      expect: {
        status: [200, 204],
        json: [
          { path: 'status', op: 'equals', value: 'UP' },
          { path: 'database.latency', op: 'lessThan', value: '300' },
        ],
      },
      notify: ['discord'],
    });
    expect(monitor('internal', 'postgres')).toMatchObject({ type: 'tcp', host: '10.0.0.5', port: 5432, allowPrivateTargets: true, notify: ['email'] });
    expect(monitor('internal', 'dns')).toMatchObject({ type: 'dns', host: 'example.org', recordType: 'A', resolver: '8.8.8.8', expected: ['93.184.215.14'] });
    expect(monitor('Gatus', 'legacy')).toMatchObject({ paused: true, expect: { status: ['100-399'] }, notify: [] });
    expect(monitor('jobs', 'nightly-backup')).toMatchObject({ type: 'heartbeat', period: '1d', grace: '0s' });
  });

  it('lists what it could not import or changed, by name and reason', () => {
    expect(result.stdout).toContain('- endpoint "gateway": its icmp URL has no Upkeep counterpart');
    expect(result.stdout).toContain('- alerting provider "twilio": provider not supported by Upkeep');
    expect(result.stdout).toContain('- external endpoint "deploys": without heartbeat.interval');
    expect(result.stdout).toContain('~ monitor "core/back-end health": condition len([BODY].items) == 3 left out');
  });

  it('takes ${VAR} from the environment as Gatus does, and keeps every secret out of the YAML', { timeout: 120_000 }, async () => {
    const yaml = await readFile(join(dir, 'upkeep.yaml'), 'utf8');
    for (const secret of ['gatus-slack-secret', 'gatus-discord-secret', 'gatus-smtp-password', 'gatus-api-token', '0123456789abcdef0123456789abcdef']) {
      expect(yaml).not.toContain(secret);
      expect(env).toContain(secret);
    }
    const valid = await runCli(['validate', '--config', join(dir, 'upkeep.yaml')], {
      env: Object.fromEntries(
        env
          .trim()
          .split('\n')
          .map((l) => /^([A-Z0-9_]+)='(.*)'$/.exec(l)!.slice(1, 3) as [string, string]),
      ),
    });
    expect(valid.stderr).toBe('');
    expect(valid.stdout).toContain('is valid: 4 site(s), 7 monitor(s), 4 channel(s)');
  });

  it('with --apply, writes the database too, the secrets sealed there', { timeout: 120_000 }, async () => {
    const dataDir = join(dir, 'data');
    const applied = await runCli(['import', 'gatus', fixture, '--output', join(dir, 'applied.yaml'), '--apply', '--data-dir', dataDir], {
      env: { SLACK_WEBHOOK_URL: slackUrl },
    });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('Applied: 15 to create, 0 to update, 0 to delete');
    const stored = (await Promise.all((await readdir(dataDir)).map((f) => readFile(join(dataDir, f), 'latin1')))).join('');
    expect(stored).toContain('back-end health');
    for (const secret of ['gatus-slack-secret', 'gatus-smtp-password', 'gatus-api-token']) expect(stored).not.toContain(secret);
  });

  it('refuses to import while a variable the file names is not set', { timeout: 120_000 }, async () => {
    const missing = await runCli(['import', 'gatus', fixture, '--dry-run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('refers to SLACK_WEBHOOK_URL: set them as you do for Gatus');
  });
});
