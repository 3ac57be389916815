import Database from 'better-sqlite3';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openCore } from '../../src/app.js';
import { readEnvironment } from '../../src/config/env.js';
import { loadConfigFile } from '../../src/config-file.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createRuntime } from '../../src/runtime.js';
import { runCli } from '../support/cli.js';
import { startKumaTargets, type KumaTargets } from './kuma-targets.js';

const fixtures = [
  { label: 'Uptime Kuma 1.23 database', file: 'test/fixtures/kuma/1.23/kuma.db', db: 'test/fixtures/kuma/1.23/kuma.db' },
  { label: 'Uptime Kuma 2.0 database', file: 'test/fixtures/kuma/2.0/kuma.db', db: 'test/fixtures/kuma/2.0/kuma.db' },
  { label: 'Uptime Kuma 1.23 JSON backup', file: 'test/fixtures/kuma/1.23/backup.json', db: 'test/fixtures/kuma/1.23/kuma.db' },
] as const;

/** Secrets the fixtures hold (see test/fixtures/kuma/README.md): none may reach the YAML or the database in clear. */
const fixtureSecrets = [
  'fixture-pass',
  'fixture-key',
  'webhook-header-secret',
  'smtp-fixture-password',
  'slacksecret',
  'discordsecret',
  'syt_fixture_matrix_token',
  'tk_fixturentfytoken',
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface KumaRow {
  id: number;
  name: string;
  type: string;
  active: number;
}

/** What Kuma itself holds: its monitors and the status of the latest heartbeat it recorded for each (1 up, 0 down, 2 pending). */
function kumaFacts(dbFile: string) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const monitors = db.prepare('SELECT id, name, type, active FROM monitor ORDER BY id').all() as KumaRow[];
    const latest = db.prepare('SELECT monitor_id, status FROM heartbeat WHERE id IN (SELECT MAX(id) FROM heartbeat GROUP BY monitor_id)').all() as {
      monitor_id: number;
      status: number;
    }[];
    const answer = new Map(latest.map((h) => [h.monitor_id, h.status === 1 ? 'up' : 'down']));
    const names = (sql: string) => (db.prepare(sql).pluck().all() as string[]).map(String);
    return {
      monitors: monitors.map((m) => ({ ...m, answer: answer.get(m.id) })),
      notifications: names('SELECT name FROM notification'),
      maintenance: names('SELECT title FROM maintenance'),
      pages: names('SELECT slug FROM status_page ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

function envValues(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const [, name, value] = /^([A-Z0-9_]+)='(.*)'$/.exec(line)!;
        return [name!, value!];
      }),
  );
}

async function filesText(dir: string): Promise<string> {
  const parts = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f)).then((b) => b.toString('latin1'))));
  return parts.join('\n');
}

interface Written {
  sites: { name: string; monitors?: { name: string; type: string; paused?: boolean }[] }[];
  channels: { name: string }[];
  maintenance?: { name: string }[];
  statusPages?: { slug: string }[];
}

describe('upkeep import kuma', () => {
  let targets: KumaTargets;
  let dir: string;
  const outputs = new Map<string, { stdout: string; yaml: string; env: Record<string, string>; file: string }>();

  beforeAll(async () => {
    targets = await startKumaTargets();
    dir = await mkdtemp(join(tmpdir(), 'upkeep-kuma-'));
  });
  afterAll(async () => {
    await targets?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe.each(fixtures)('from the $label', ({ label, file, db }) => {
    const facts = kumaFacts(db);
    const output = () => outputs.get(label)!;

    beforeAll(async () => {
      const out = join(dir, `${label.replaceAll(' ', '-')}.yaml`);
      const result = await runCli(['import', 'kuma', file, '--output', out]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const envFile = out.replace(/\.yaml$/, '.env');
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
      outputs.set(label, { stdout: result.stdout, yaml: await readFile(out, 'utf8'), env: envValues(await readFile(envFile, 'utf8')), file: out });
    }, 120_000);

    it('lists by name and reason every Kuma object it did not import', () => {
      const { stdout, yaml } = output();
      const written = parse(yaml) as Written;
      const imported = new Set(written.sites.flatMap((s) => (s.monitors ?? []).map((m) => m.name)));
      const sites = new Set(written.sites.map((s) => s.name));
      for (const m of facts.monitors) {
        if (m.type === 'group') expect(sites.has(m.name), `group "${m.name}" is a site`).toBe(true);
        else if (!imported.has(m.name))
          expect(stdout, `monitor "${m.name}" (${m.type})`).toMatch(new RegExp(`- monitor "${escape(m.name)}" \\(${m.type}\\): \\S`));
      }
      expect(stdout).toContain('- monitor "Steam server" (steam): no Upkeep counterpart');
      expect(stdout).toContain('- monitor "Maintenance page is gone" (http): upside-down mode');
      const channels = new Set(written.channels.map((c) => c.name));
      for (const n of facts.notifications) if (!channels.has(n)) expect(stdout).toMatch(new RegExp(`- notification "${escape(n)}" \\(\\S+\\): \\S`));
      expect(stdout).toContain('- notification "LINE group" (line): provider not supported by Upkeep');
      expect(channels.size).toBe(13);
      if (file.endsWith('.json')) return;
      const windows = new Set((written.maintenance ?? []).map((w) => w.name));
      for (const w of facts.maintenance) if (!windows.has(w)) expect(stdout).toMatch(new RegExp(`- maintenance "${escape(w)}" \\(\\S+\\): \\S`));
      expect(windows.size).toBe(5);
      expect((written.statusPages ?? []).map((p) => p.slug)).toEqual(facts.pages);
    });

    it('maps fields as Kuma meant them', () => {
      const written = parse(output().yaml) as Written & { maintenance?: Record<string, unknown>[]; statusPages?: Record<string, unknown>[] };
      const monitor = (site: string, name: string) => written.sites.find((x) => x.name === site)!.monitors!.find((m) => m.name === name);
      expect(monitor('Shop', 'Checkout')).toMatchObject({ type: 'http', interval: '20s', downAfter: 2, notify: ['Ops webhook'], tags: ['env:prod'] });
      expect(monitor('Shop', 'No error text')).toMatchObject({ expect: { notContains: 'Fatal error' }, notify: [] });
      expect(monitor('Uptime Kuma', 'Create order')).toMatchObject({
        method: 'POST',
        expect: { status: [201] },
        headers: { 'Content-Type': 'application/json' },
      });
      expect(monitor('Uptime Kuma', 'DNS mail exchanger')).toMatchObject({ type: 'dns', recordType: 'MX', resolver: '127.0.0.1:47853' });
      expect(monitor('Uptime Kuma', 'Nightly job')).toMatchObject({ type: 'heartbeat', period: '30s', grace: '20s' });
      expect(monitor('Uptime Kuma', 'Paused check')).toMatchObject({ paused: true, notify: ['Telegram on-call', 'Pushover', 'Opsgenie EU'] });
      if (file.endsWith('.json')) return;
      const window = (name: string) => written.maintenance!.find((w) => w.name === name);
      // 02:00–04:30 on Stockholm's clocks in January is 01:00–03:30 UTC; "same as server" is the server's zone.
      expect(window('Database upgrade')).toMatchObject({
        start: '2030-01-05T01:00:00.000Z',
        end: '2030-01-05T03:30:00.000Z',
        monitors: ['Shop/Shop home', 'Shop/Checkout'],
      });
      expect(window('Weekly patching')).toMatchObject({ cron: '0 15 * * 0,3', duration: '45m', timezone: 'Europe/Stockholm' });
      expect(window('Month end close')).toMatchObject({ cron: '0 15 1,L * *', timezone: 'America/New_York' });
      expect(written.statusPages![0]).toMatchObject({
        slug: 'shop',
        title: 'Shop status',
        domains: ['status.fixture.test'],
        components: [
          { name: 'Storefront', monitors: ['Shop/Shop home', 'Shop/Welcome text', 'Shop/Checkout'] },
          { name: 'Services', monitors: ['Uptime Kuma/API status', 'Uptime Kuma/SMTP relay port', 'Uptime Kuma/DNS app record'] },
        ],
      });
    });

    it('writes no secret into the YAML; the env file beside it holds them', () => {
      const { yaml, env } = output();
      for (const secret of fixtureSecrets) expect(yaml).not.toContain(secret);
      const values = Object.values(env).join('\n');
      for (const secret of ['fixture-pass', 'fixture-key', 'webhook-header-secret', 'syt_fixture_matrix_token']) expect(values).toContain(secret);
      expect(yaml).toMatch(/password: \$\{UPKEEP_SECRET_[A-Z0-9_]+\}/);
    });

    it('gives a file that `upkeep validate` accepts and `upkeep apply` writes, with the secrets sealed', { timeout: 120_000 }, async () => {
      const { file: out, env } = output();
      const valid = await runCli(['validate', '--config', out], { env });
      expect(valid.stderr).toBe('');
      expect(valid.stdout).toContain('is valid');
      const dataDir = join(dir, `${label.replaceAll(' ', '-')}-data`);
      const applied = await runCli(['apply', '--config', out, '--data-dir', dataDir], { env });
      expect(applied.stderr).toBe('');
      expect(applied.stdout).toMatch(/^Applied: \d+ to create/);
      expect(applied.stdout).toContain('+ monitor "Shop/Shop home"');
      const stored = await filesText(dataDir);
      expect(stored).toContain('Shop home');
      for (const secret of fixtureSecrets) expect(stored).not.toContain(secret);
    });
  });

  it('the JSON backup gives the same monitors and channels as the database it was exported from', () => {
    const fromDb = parse(outputs.get(fixtures[0].label)!.yaml) as Written;
    const fromJson = parse(outputs.get(fixtures[2].label)!.yaml) as Written;
    const withoutSecrets = (w: Written) => JSON.stringify({ sites: w.sites, channels: w.channels.map((c) => c.name) });
    expect(withoutSecrets(fromJson)).toBe(withoutSecrets(fromDb));
  });

  describe.each(fixtures.slice(0, 2))('after apply, the monitors of the $label', ({ label, db }) => {
    it("run against the same loopback targets and give Kuma's up/down answers", { timeout: 180_000 }, async () => {
      const { file: out, env } = outputs.get(label)!;
      const dataDir = join(dir, `${label.replaceAll(' ', '-')}-data`);
      const loaded = await loadConfigFile(out, env);
      const core = await openCore({ dataDir, env: readEnvironment({ ...env }, false), logger: silentLogger() });
      const runtime = await createRuntime(core, loaded.config);
      try {
        await runtime.start();
        const rows = await core.storage.db
          .selectFrom('monitors')
          .innerJoin('sites', 'sites.id', 'monitors.site_id')
          .select(['monitors.id', 'monitors.name', 'monitors.ping_key'])
          .execute();
        const kuma = new Map(kumaFacts(db).monitors.map((m) => [m.name, m]));
        // The push monitor Kuma saw pinged is pinged here too; the silent one stays silent.
        const pushed = rows.find((r) => r.name === 'Nightly job')!;
        expect(runtime.engine.ping(pushed.ping_key!, 'success', {})).toBe(true);
        // A never-pinged heartbeat is the one answer that differs by design: Kuma calls it down after one interval,
        // Upkeep waits for the first ping (docs/monitoring.md), so it is checked on its own below.
        const silent = rows.find((r) => r.name === 'Forgotten cron')!;
        expect(kuma.get('Forgotten cron')?.answer).toBe('down');
        const running = rows.filter((r) => kuma.get(r.name)?.active === 1 && r.id !== silent.id);
        expect(running.length).toBeGreaterThanOrEqual(15);
        // A probe's answer is its latest check; a heartbeat's is its state once its ping was taken.
        const answerOf = (r: (typeof running)[number]): string | undefined => {
          const live = runtime.engine.stateOf(r.id);
          if (kuma.get(r.name)?.type === 'push') return live?.state.status === 'up' || live?.state.status === 'down' ? live.state.status : undefined;
          const last = live?.recent.at(-1);
          return last && (last.status === 'down' ? 'down' : 'up');
        };
        const answers = new Map<string, string>();
        while (answers.size < running.length) {
          for (const r of running) {
            const answer = answerOf(r);
            if (answer) answers.set(r.name, answer);
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const expected = Object.fromEntries(running.map((r) => [r.name, kuma.get(r.name)!.answer]));
        expect(Object.fromEntries(answers)).toEqual(expected);
        expect(new Set(Object.values(expected))).toEqual(new Set(['up', 'down']));
        expect(runtime.engine.stateOf(silent.id)?.state.status).toBe('pending');
      } finally {
        await runtime.stop();
        await core.close();
      }
    });
  });
});
