import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { clusterStatus, formatClusterStatus } from '../../src/cluster/status.js';
import { liveProbes } from '../../src/probes/probes.service.js';
import type { ProbeClient } from '../../src/probes/client.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { dialects, tempDir } from '../support/databases.js';
import type { TestApp } from '../support/http.js';
import { sleep, until } from '../support/receivers.js';
import { runCli } from '../support/cli.js';
import { cutProxy } from './cut-proxy.js';
import { probeWorld, type ProbeWorld } from './world.js';

const locations = ['eu-north', 'us-east', 'us-west'];

describe.each(dialects)('probes in three locations on $dialect', ({ dialect, skip }) => {
  let world: ProbeWorld;
  let core: Core;
  let server: TestApp;
  let target: TestServer;
  let origin: string;
  let headers: Record<string, string>;
  let siteId: number;
  let monitorId: number;
  /** The target answers 500 to the us-east probe (it names its location in its User-Agent), or to everyone. */
  let downFor: 'us-east' | 'everyone' = 'us-east';
  const clients: ProbeClient[] = [];

  const makeProbe = (name: string, location: string) => world.makeProbe(name, location);
  const startProbe = async (token: string, location: string, at = origin) => {
    const client = world.probeClient(token, location, at);
    clients.push(client);
    await client.start();
    return client;
  };
  const status = async () =>
    (await server.app.inject({ url: `/api/v1/monitors/${monitorId}/status`, headers })).json<{
      status: string;
      locations: { location: string; status: string }[] | null;
    }>();
  const incidents = () => core.storage.db.selectFrom('incidents').selectAll().where('site_id', '=', siteId).execute();
  const combined = async () => {
    await server.engine.results.flush();
    return core.storage.db.selectFrom('check_results').select('status').where('monitor_id', '=', monitorId).execute();
  };

  beforeAll(async () => {
    if (skip) return;
    target = await startHttpServer((req, res) => {
      const ua = req.headers['user-agent'] ?? '';
      if (downFor === 'everyone' || ua.includes('location us-east')) res.writeHead(500).end('broken');
      else res.end('ok');
    });
    world = await probeWorld(dialect, locations);
    ({ core, server, origin, headers } = world);
    siteId = (await server.app.inject({ method: 'POST', url: '/api/v1/sites', headers, payload: { name: 'Shop' } })).json<{ id: number }>().id;
    const made = await server.app.inject({
      method: 'POST',
      url: `/api/v1/sites/${siteId}/monitors`,
      headers,
      payload: { name: 'Home', type: 'http', url: target.url('/'), interval: '1s', retryInterval: '1s', timeout: '2s', allowPrivateTargets: true, locations },
    });
    expect(made.statusCode, made.body).toBe(201);
    monitorId = made.json<{ id: number }>().id;
    await server.engine.pollChanges();
  });
  afterAll(async () => {
    await world?.close();
    await target?.close();
  });

  it.skipIf(skip)('one location seeing the target down opens no incident at 2 of 3; down for all, one incident names the locations', async () => {
    for (const location of locations) await startProbe((await makeProbe(`probe-${location}`, location)).token, location);
    await until(
      'all three locations to report, us-east seeing the target down',
      async () => {
        const s = await status();
        return s.locations?.every((l) => l.status === (l.location === 'us-east' ? 'down' : 'up'));
      },
      20_000,
    );
    // Several combined checks with us-east down all along (downAfter 2 would have been met twice over).
    const before = (await combined()).length;
    await until('five more combined checks', async () => (await combined()).length >= before + 5, 20_000);
    expect((await status()).status).toBe('up');
    expect((await combined()).every((r) => r.status === 0)).toBe(true);
    expect(await incidents()).toEqual([]);

    downFor = 'everyone';
    await until('the monitor to be down', async () => (await status()).status === 'down', 20_000);
    await sleep(2_500);
    await server.engine.results.flush();
    const opened = await incidents();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.summary).toMatch(/^down in eu-north, us-east, us-west \(3 of 3 locations\): status 500 is not accepted/);

    // A probe that goes silent makes its location unavailable (after 3 intervals), not the monitor down.
    downFor = 'us-east';
    await clients[2]!.stop();
    await until(
      'us-west to be unavailable and the monitor up again',
      async () => {
        const s = await status();
        return s.status === 'up' && s.locations?.map((l) => l.status).join() === 'up,down,unavailable';
      },
      20_000,
    );
  });

  it.skipIf(skip)('a probe cut off from the server keeps checking and replays: none lost, none duplicated', async () => {
    const probe = await makeProbe('probe-cut', 'us-west');
    const proxy = await cutProxy(Number(new URL(origin).port));
    // Started while the server cannot be reached: it waits for it.
    await proxy.cut();
    const started = startProbe(probe.token, 'us-west', proxy.origin);
    await sleep(1_500);
    await proxy.restore();
    const client = await started;
    const rows = async () => core.storage.db.selectFrom('probe_results').select(['run', 'seq']).where('probe_id', '=', probe.id).orderBy('seq').execute();
    await until('results to arrive', async () => (await rows()).length >= 2, 20_000);

    await proxy.cut();
    const made = client.counts.made;
    await until('the probe to buffer results while cut off', () => client.buffered >= 4 && client.counts.made >= made + 4, 20_000);
    const stored = (await rows()).length;
    await sleep(500);
    expect((await rows()).length).toBe(stored);

    await proxy.restore();
    await until('the buffer to be replayed', () => client.buffered === 0, 40_000);
    await client.stop();
    expect(client.buffered).toBe(0);
    const all = await rows();
    expect(all).toHaveLength(client.counts.made);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: client.counts.made }, (_, i) => i + 1));
    expect(new Set(all.map((r) => r.run))).toEqual(new Set([client.run]));
    await proxy.close();
  });

  it.skipIf(skip)('a probe says how its buffer stands for itself only, in figures that are checked', async () => {
    const mine = await makeProbe('probe-says', 'eu-north');
    const other = await makeProbe('probe-other', 'eu-north');
    const auth = { authorization: `Bearer ${mine.token}` };
    const figures = async () =>
      new Map(
        (await server.app.inject({ url: '/api/v1/probes', headers }))
          .json<{ data: { name: string; backlog: number | null; dropped: number | null }[] }>()
          .data.map((p) => [p.name, { backlog: p.backlog, dropped: p.dropped }]),
      );
    expect((await figures()).get('probe-says')).toEqual({ backlog: null, dropped: null });
    expect((await server.app.inject({ url: '/api/v1/probe/assignments?backlog=7&dropped=3', headers: auth })).statusCode).toBe(200);
    const batch = { run: 'says-run-1', results: [] };
    const sent = await server.app.inject({ method: 'POST', url: '/api/v1/probe/results?backlog=2&dropped=5', headers: auth, payload: batch });
    expect(sent.statusCode, sent.body).toBe(200);
    // Figures it does not send are left as they were (a probe older than this server sends none).
    expect((await server.app.inject({ method: 'POST', url: '/api/v1/probe/results', headers: auth, payload: batch })).statusCode).toBe(200);
    const now = await figures();
    expect(now.get('probe-says')).toEqual({ backlog: 2, dropped: 5 });
    // Its token names the probe it sets: nothing in the request can reach another probe's figures.
    expect(now.get('probe-other')).toEqual({ backlog: null, dropped: null });
    for (const [query, field] of [
      ['backlog=-1', 'backlog'],
      ['dropped=1.5', 'dropped'],
      ['dropped=abc', 'dropped'],
      ['backlog=1000000001', 'backlog'],
      [`dropped=${2 ** 53}`, 'dropped'],
    ]) {
      const bad = await server.app.inject({ url: `/api/v1/probe/assignments?${query}`, headers: auth });
      expect(bad.statusCode, query).toBe(400);
      expect(bad.body, query).toContain(field);
    }
    expect((await server.app.inject({ url: '/api/v1/probe/assignments?backlog=1', headers: { authorization: `Bearer ${other.token}x` } })).statusCode).toBe(
      401,
    );
    expect((await figures()).get('probe-says')).toEqual({ backlog: 2, dropped: 5 });
  });

  it.skipIf(skip)('a batch sent twice is stored once; a revoked token gets 401 and stops its probe', async () => {
    const probe = await makeProbe('probe-twice', 'eu-north');
    const auth = { authorization: `Bearer ${probe.token}` };
    const batch = {
      run: 'replayed-run-1',
      results: [1, 2, 3].map((seq) => ({ seq, monitorId, at: Date.now() - 1_000 * seq, status: 'up', message: 'HTTP 200 in 3 ms', durationMs: 3 })),
    };
    const first = await server.app.inject({ method: 'POST', url: '/api/v1/probe/results', headers: auth, payload: batch });
    expect(first.json()).toEqual({ stored: 3, duplicates: 0, ignored: 0 });
    const again = await server.app.inject({ method: 'POST', url: '/api/v1/probe/results', headers: auth, payload: batch });
    expect(again.json()).toEqual({ stored: 0, duplicates: 3, ignored: 0 });
    const count = await core.storage.db
      .selectFrom('probe_results')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('probe_id', '=', probe.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
    // A person's token is no probe token, and a probe token opens nothing else.
    expect((await server.app.inject({ url: '/api/v1/probe/assignments', headers })).statusCode).toBe(401);
    expect((await server.app.inject({ url: '/api/v1/sites', headers: auth })).statusCode).toBe(401);

    const unknown = await server.app.inject({
      method: 'POST',
      url: `/api/v1/sites/${siteId}/monitors`,
      headers,
      payload: { name: 'Far', type: 'http', url: target.url('/'), locations: ['eu-north', 'ap-south'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details[0].path).toBe('locations.1');

    const elsewhere = await server.app.inject({ url: '/api/v1/probe/assignments?location=us-east', headers: auth });
    expect(elsewhere.statusCode).toBe(409);
    expect(elsewhere.json().error.message).toBe('this token is probe "probe-twice" of location "eu-north", not "us-east"');

    const client = await startProbe(probe.token, 'eu-north');
    expect((await server.app.inject({ method: 'DELETE', url: `/api/v1/probes/${probe.id}`, headers })).statusCode).toBe(204);
    const refused = await server.app.inject({ url: '/api/v1/probe/assignments', headers: auth });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('the probe token was revoked');
    expect(await client.closed).toMatch(/the server refused the probe token: the probe token was revoked/);

    const list = (await server.app.inject({ url: '/api/v1/probes', headers })).json<{ data: { name: string; health: string; version: string | null }[] }>()
      .data;
    expect(list.find((p) => p.name === 'probe-twice')?.health).toBe('revoked');
    expect(list.find((p) => p.name === 'probe-eu-north')).toMatchObject({ health: 'online', version: '9.9.9' });
    const metrics = (await server.app.inject({ url: '/metrics', headers })).body;
    expect(metrics).toMatch(/^upkeep_probe_last_seen_seconds\{probe="probe-eu-north",location="eu-north"\} \d/m);
    expect(metrics).toMatch(/^upkeep_probe_lag_seconds\{probe="probe-eu-north",location="eu-north"\} \d/m);
    expect(metrics).toContain('upkeep_probe_online{probe="probe-eu-north",location="eu-north"} 1\n');
    expect(metrics).toContain('upkeep_probe_info{probe="probe-eu-north",location="eu-north",version="9.9.9"} 1\n');
    expect(metrics).not.toContain('probe="probe-twice"');
    // `upkeep cluster status` (PostgreSQL) lists the probes with their health; revoked ones are left out.
    if (dialect === 'postgres') {
      const status = await clusterStatus(core, await liveProbes(core.storage.db, core.clock.now()));
      expect(status.probes.find((p) => p.name === 'probe-eu-north')).toMatchObject({ location: 'eu-north', health: 'online', version: '9.9.9' });
      expect(status.probes.map((p) => p.name)).not.toContain('probe-twice');
      expect(formatClusterStatus(status)).toMatch(/^probes:\n(.*\n)*  probe-eu-north \(eu-north\): online, 9\.9\.9/m);
    }
  });

  it.skipIf(skip)(
    'upkeep probe runs as its own process, reports, and exits with the reason when its token is revoked',
    async () => {
      const probe = await makeProbe('probe-process', 'us-west');
      const buffer = tempDir('upkeep-probe-buffer-');
      const run = runCli(['probe', '--server', origin, '--location', 'us-west', '--buffer-dir', buffer.path], { env: { UPKEEP_PROBE_TOKEN: probe.token } });
      await until(
        'the process to send results',
        async () => (await core.storage.db.selectFrom('probe_results').select('seq').where('probe_id', '=', probe.id).execute()).length >= 2,
        60_000,
      );
      const list = (await server.app.inject({ url: '/api/v1/probes', headers })).json<{ data: { name: string; health: string; version: string | null }[] }>()
        .data;
      expect(list.find((p) => p.name === 'probe-process')).toMatchObject({ health: 'online', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      await server.app.inject({ method: 'DELETE', url: `/api/v1/probes/${probe.id}`, headers });
      const exited = await run;
      expect(exited.code).toBe(1);
      expect(exited.stderr).toContain('the server refused the probe token: the probe token was revoked');
      buffer.cleanup();
    },
    90_000,
  );
});
