import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/lib/logger.js';
import { clusterStatus, formatClusterStatus } from '../../src/cluster/status.js';
import { ProbeJournal } from '../../src/probes/journal.js';
import { liveProbes } from '../../src/probes/probes.service.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { dialects, tempDir } from '../support/databases.js';
import { until } from '../support/receivers.js';
import { cutProxy } from './cut-proxy.js';
import { probeWorld, type ProbeWorld } from './world.js';

/** Monitors checked from the probe's location, every second. */
const MONITORS = 20;
/** What a probe makes in 5 minutes of monitors at a 10 s interval: 30 results each. */
const INTERVALS_CUT_OFF = 30;

/**
 * A probe cut off from its server for long: it keeps checking at the monitors' intervals, keeps every
 * result (in memory and in its journal on disk), survives a restart while still cut off, and replays it
 * all once the server is back, each result stored once; when its buffer's cap is hit, the oldest go,
 * counted and said in the log.
 */
describe.each(dialects)('a probe cut off from its server on $dialect', ({ dialect, skip }) => {
  let world: ProbeWorld;
  let target: TestServer;
  const dir = tempDir('upkeep-probe-journal-');

  const makeProbe = (name: string) => world.makeProbe(name, 'eu-north');
  const probeClient = (token: string, at: string, options: { journal?: string; bufferCap?: number; log?: Logger; pollMs?: number } = {}) =>
    world.probeClient(token, 'eu-north', at, { pollMs: 500, ...options });
  const stored = async (probeId: number) =>
    world.core.storage.db.selectFrom('probe_results').select(['run', 'seq', 'monitor_id', 'at']).where('probe_id', '=', probeId).orderBy('seq').execute();
  const seqsOf = (rows: { run: string; seq: number }[], run: string) => rows.filter((r) => r.run === run).map((r) => Number(r.seq));
  const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  beforeAll(async () => {
    if (skip) return;
    target = await startHttpServer((_req, res) => res.end('ok'));
    world = await probeWorld(dialect, ['eu-north']);
    const { server, headers } = world;
    const siteId = (await server.app.inject({ method: 'POST', url: '/api/v1/sites', headers, payload: { name: 'Shop' } })).json<{ id: number }>().id;
    for (let m = 0; m < MONITORS; m++) {
      const made = await server.app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteId}/monitors`,
        headers,
        payload: {
          name: `Page ${m}`,
          type: 'http',
          url: target.url(`/${m}`),
          interval: '1s',
          timeout: '2s',
          allowPrivateTargets: true,
          locations: ['eu-north'],
        },
      });
      expect(made.statusCode, made.body).toBe(201);
    }
    await server.engine.pollChanges();
  });
  afterAll(async () => {
    await world?.close();
    await target?.close();
    dir.cleanup();
  });

  it.skipIf(skip)(
    `keeps checking for ${INTERVALS_CUT_OFF} intervals (5 minutes at 10 s), is restarted while cut off, and replays it all: none lost, none twice`,
    async () => {
      const probe = await makeProbe('probe-far');
      const proxy = await cutProxy(Number(new URL(world.origin).port));
      const journal = join(dir.path, 'probe-eu-north.jsonl');
      const first = probeClient(probe.token, proxy.origin, { journal });
      await first.start();
      await until('results of every monitor to arrive', async () => new Set((await stored(probe.id)).map((r) => r.monitor_id)).size === MONITORS, 30_000);

      await proxy.cut();
      const cutAt = Date.now();
      const madeBefore = first.counts.made;
      await until(
        `${INTERVALS_CUT_OFF} results of every monitor made while cut off`,
        () => first.counts.made - madeBefore >= MONITORS * INTERVALS_CUT_OFF,
        120_000,
      );
      // Stopped (a restart) while the server is still away: what it could not send stays in its journal.
      await first.stop();
      const unsent = first.buffered;
      expect(unsent).toBeGreaterThanOrEqual(MONITORS * INTERVALS_CUT_OFF);
      expect(first.counts.dropped).toBe(0);
      // Each result is on the server or in the journal (a batch whose answer the cut lost is in both: sent again, stored once).
      const journaled = new ProbeJournal(journal).load().flatMap((r) => (r.run === first.run ? [r.seq] : []));
      expect(journaled).toHaveLength(unsent);
      const firstStored = seqsOf(await stored(probe.id), first.run);
      expect([...new Set([...firstStored, ...journaled])].sort((a, b) => a - b)).toEqual(oneTo(first.counts.made));

      const second = probeClient(probe.token, proxy.origin, { journal });
      expect(second.counts.recovered).toBe(unsent);
      const starting = second.start();
      await proxy.restore();
      await starting;
      await until('the journal to be replayed', () => second.buffered === 0 && second.counts.sent >= unsent, 60_000);
      await until('the restarted probe to check and send on its own', () => second.counts.made >= MONITORS && second.buffered === 0, 30_000);
      await second.stop();

      const rows = await stored(probe.id);
      // Every result of both runs, each once: the stored numbers are exactly 1…made of each run.
      expect(seqsOf(rows, first.run)).toEqual(oneTo(first.counts.made));
      expect(seqsOf(rows, second.run)).toEqual(oneTo(second.counts.made));
      expect(rows).toHaveLength(first.counts.made + second.counts.made);
      // Made while cut off, at the monitors' pace: each monitor has its 30 results from the cut, with the probe's times.
      const duringCut = new Map<number, Set<number>>();
      for (const r of rows)
        if (r.run === first.run && Number(r.at) >= cutAt) duringCut.set(r.monitor_id, (duringCut.get(r.monitor_id) ?? new Set()).add(Number(r.at)));
      expect(duringCut.size).toBe(MONITORS);
      for (const times of duringCut.values()) expect(times.size).toBeGreaterThanOrEqual(INTERVALS_CUT_OFF - 2);
      // All sent: the journal is empty again.
      expect(readFileSync(journal, 'utf8')).toBe('');
      // The monitors' charts by location count them all, in the minutes they were made.
      let charted = 0;
      for (const monitorId of duringCut.keys()) {
        const answer = await world.server.app.inject({ url: `/api/v1/monitors/${monitorId}/locations/series?window=1h`, headers: world.headers });
        const { locations } = answer.json<{ locations: { location: string; data: { checks: number; avgMs: number | null }[] }[] }>();
        expect(locations.map((l) => l.location)).toEqual(['eu-north']);
        charted += locations[0]!.data.reduce((n, b) => n + b.checks, 0);
      }
      expect(charted).toBe(rows.length);
      await proxy.close();
    },
    240_000,
  );

  it.skipIf(skip)(
    'drops the oldest results when its buffer is full, counts them and says so once; the newest are all replayed; the API, /metrics and cluster status show the count, also after a restart',
    async () => {
      const probe = await makeProbe('probe-small');
      const proxy = await cutProxy(Number(new URL(world.origin).port));
      const lines: string[] = [];
      const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      const journal = join(dir.path, 'small.jsonl');
      // Only its batches say how its buffer stands here (its first poll aside): the last one, emptying it, says 0 waiting.
      const client = probeClient(probe.token, proxy.origin, { bufferCap: 2 * MONITORS, log, journal, pollMs: 600_000 });
      await client.start();
      await until('results to arrive', async () => (await stored(probe.id)).length >= MONITORS, 30_000);
      await proxy.cut();
      // Held at the cap (between tries to send; during one the newest wait for it to end).
      await until('the cap to drop some', () => client.counts.dropped >= 3 * MONITORS && client.buffered === 2 * MONITORS, 60_000);
      await proxy.restore();
      await until('the buffer to be replayed', () => client.buffered === 0 && client.counts.sent + client.counts.dropped === client.counts.made, 60_000);
      await client.stop();

      const seqs = seqsOf(await stored(probe.id), client.run);
      const missing = oneTo(client.counts.made).filter((n) => !seqs.includes(n));
      // Dropped here, and not on the server: fewer when a batch reached it but its answer was lost to the cut.
      expect(missing.length).toBeGreaterThan(0);
      expect(missing.length).toBeLessThanOrEqual(client.counts.dropped);
      // The oldest went: the missing numbers are one run of consecutive ones, and everything after them arrived.
      expect(missing).toEqual(oneTo(missing.length).map((n) => n + missing[0]! - 1));
      expect(seqs.filter((n) => n > missing.at(-1)!)).toEqual(oneTo(client.counts.made - missing.at(-1)!).map((n) => n + missing.at(-1)!));
      const said = lines.map((l) => JSON.parse(l) as { level: number; msg: string; dropped?: number });
      expect(said.filter((l) => l.msg.startsWith('the buffer of unsent results is full'))).toHaveLength(1);
      expect(said.find((l) => l.msg.startsWith('the server takes results again'))?.dropped).toBe(client.counts.dropped);

      // Where operators look: the exact count, and nothing left waiting.
      const listed = async () =>
        (await world.server.app.inject({ url: '/api/v1/probes', headers: world.headers }))
          .json<{ data: { name: string; backlog: number | null; dropped: number | null }[] }>()
          .data.find((p) => p.name === 'probe-small');
      expect(await listed()).toMatchObject({ backlog: 0, dropped: client.counts.dropped });
      const metrics = (await world.server.app.inject({ url: '/metrics', headers: world.headers })).body;
      expect(metrics).toContain(`upkeep_probe_results_dropped_total{probe="probe-small",location="eu-north"} ${client.counts.dropped}\n`);
      expect(metrics).toContain('upkeep_probe_backlog{probe="probe-small",location="eu-north"} 0\n');
      expect(metrics).toMatch(/^# TYPE upkeep_probe_results_dropped_total counter$/m);
      if (dialect === 'postgres') {
        const status = formatClusterStatus(await clusterStatus(world.core, await liveProbes(world.core.storage.db, Date.now())));
        expect(status).toContain(`  probe-small (eu-north): online, 9.9.9`);
        expect(status).toMatch(new RegExp(`probe-small .*, ${client.counts.dropped} results DROPPED \\(its buffer was full\\)$`, 'm'));
      }

      // Restarted on the same journal: its first poll says the same total (a restart does not hide a loss).
      await world.core.storage.db.updateTable('probes').set({ dropped: null }).where('id', '=', probe.id).execute();
      const again = probeClient(probe.token, proxy.origin, { journal, pollMs: 600_000 });
      expect(again.dropped).toBe(client.counts.dropped);
      expect(client.dropped).toBe(client.counts.dropped);
      await again.start();
      expect((await listed())?.dropped).toBe(client.counts.dropped);
      await again.stop();
      await proxy.close();
    },
    120_000,
  );
});
