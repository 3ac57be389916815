import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { AckLinks } from '../../src/incidents/ack-links.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { smtpReceiver, until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-webhook-secret-of-some-length';
const broken = new Set<string>();
let target: TestServer;
beforeAll(async () => {
  target = await startHttpServer((req, res) => (broken.has(req.url!) ? res.writeHead(503).end('down') : res.end('ok')));
});
afterAll(() => target.close());

/** A fresh database and runtime for one scenario, from a YAML config. */
async function scenario(yaml: string) {
  const db: TestDatabase = await createTestDatabase('sqlite');
  const core: Core = await openTestCore(db);
  const loaded = config(yaml, {});
  await core.sync.apply(loaded, { dryRun: false });
  const server: TestApp = await testRuntime(core, loaded.config, { baseDelayMs: 200 });
  const incidents = () => server.incidents.service.list({ limit: 10 });
  return {
    core,
    server,
    incidents,
    close: async () => {
      await server.close();
      await core.close();
      await db.cleanup();
    },
  };
}

const monitor = (name: string, path: string) =>
  `      - { name: ${name}, type: http, url: "${target.url(path)}", interval: 1s, retryInterval: 1s, timeout: 1s }\n`;

describe('incidents end to end', () => {
  it('a target breaks: one incident, an email and a signed webhook; it recovers: recovery messages and a resolved incident with durations', async () => {
    const smtp = await smtpReceiver();
    const hook = await webhookReceiver(SECRET);
    const s = await scenario(`
server: { publicUrl: "http://upkeep.test" }
incidents: { groupWait: 1s, resolveAfter: 2s }
sites:
  - name: Shop
    runbook: https://wiki.test/shop-down
    monitors:
${monitor('Home', '/e2e')}
channels:
  - { name: mail, type: email, to: [ops@shop.test], from: upkeep@shop.test, smtp: { host: 127.0.0.1, port: ${smtp.port}, security: none } }
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
`);
    try {
      await until('the monitor to be up', () => [...s.server.engine.states()].every(([, rt]) => rt.state.status === 'up'), 5_000);
      broken.add('/e2e');
      const opened = await until('the webhook to hear of the incident', () => hook.messages.find((m) => m.body.event === 'incident.opened'), 10_000);
      expect(opened.signed).toBe(true);
      expect(Math.abs(Number(opened.headers['x-upkeep-timestamp']) * 1000 - Date.parse(opened.body.sentAt as string))).toBeLessThan(1_000);
      expect(opened.headers['idempotency-key']).toBe(opened.body.notificationId);
      expect(opened.body).toMatchObject({
        dedupKey: `upkeep-incident-${opened.body.incident.id}`,
        incident: { title: 'Home is down', status: 'open', runbook: 'https://wiki.test/shop-down' },
        site: { name: 'Shop' },
      });
      expect(opened.body.incident.acknowledgeUrl).toMatch(/^http:\/\/upkeep\.test\/ack\/[\w.-]{30,70}$/);
      const mail = await until('the email', () => smtp.mails[0], 10_000);
      expect(mail.to).toEqual(['ops@shop.test']);
      const parsed = await simpleParser(mail.raw);
      expect(parsed.subject).toMatch(/Home is down/);
      expect(parsed.text).toContain('Runbook: https://wiki.test/shop-down');
      expect(parsed.text).toContain(opened.body.incident.acknowledgeUrl);
      expect((await s.incidents()).length).toBe(1);

      broken.delete('/e2e');
      const resolved = await until('the resolution', () => hook.messages.find((m) => m.body.event === 'incident.resolved'), 15_000);
      expect(resolved.signed).toBe(true);
      await until('the recovery email', () => smtp.mails.length >= 2, 5_000);
      const [incident] = await s.incidents();
      expect(incident).toMatchObject({ status: 'resolved' });
      expect(incident!.resolved_at! - incident!.opened_at).toBeGreaterThanOrEqual(2_000);
      const details = (
        await s.server.app.inject({
          url: `/api/v1/incidents/${incident!.id}`,
          headers: { authorization: `Bearer ${(await s.core.accounts.createToken({ name: 't', scope: 'read' })).token}` },
        })
      ).json();
      expect(details.durations.toResolve).toBeGreaterThanOrEqual(2);
      expect(details.timeline.map((t: { kind: string }) => t.kind)).toEqual(['opened', 'recovered', 'resolved']);
    } finally {
      await s.close();
      await smtp.close();
      await hook.close();
    }
  }, 40_000);

  it('two monitors of one site failing together: one incident, one message per channel', async () => {
    const a = await webhookReceiver(SECRET);
    const b = await webhookReceiver(SECRET);
    const s = await scenario(`
incidents: { groupWait: 3s }
sites:
  - name: Blog
    monitors:
${monitor('Front', '/together-1')}${monitor('Feed', '/together-2')}
channels:
  - { name: a, type: webhook, url: "${a.url}", secret: ${SECRET} }
  - { name: b, type: webhook, url: "${b.url}", secret: ${SECRET} }
`);
    try {
      await until('both monitors up', () => [...s.server.engine.states()].filter(([, rt]) => rt.state.status === 'up').length === 2, 5_000);
      broken.add('/together-1');
      broken.add('/together-2');
      await until('both channels to hear', () => a.messages.length && b.messages.length, 15_000);
      await until(
        'both monitors in the incident',
        async () => {
          const [incident] = await s.incidents();
          return incident && (await s.server.incidents.service.details(incident.id)).monitors.length === 2;
        },
        5_000,
      );
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await s.incidents()).length).toBe(1);
      for (const hook of [a, b]) {
        expect(hook.messages.map((m) => m.body.event)).toEqual(['incident.opened']);
        expect((hook.messages[0]!.body.monitors as unknown[]).length).toBe(2);
      }
    } finally {
      broken.delete('/together-1');
      broken.delete('/together-2');
      await s.close();
      await a.close();
      await b.close();
    }
  }, 40_000);

  it('a receiver answering 503 three times then 200 gets the message, with growing delays between tries', async () => {
    const hook = await webhookReceiver(SECRET, (n, res) => {
      if (n < 3) {
        res.writeHead(503).end('busy');
        return true;
      }
    });
    const s = await scenario(`
incidents: { groupWait: 0s }
sites:
  - name: Retry
    monitors:
${monitor('Home', '/retry')}
channels:
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
`);
    try {
      await until('up', () => [...s.server.engine.states()].every(([, rt]) => rt.state.status === 'up'), 5_000);
      broken.add('/retry');
      await until('four tries', () => hook.messages.length >= 4, 20_000);
      const ids = new Set(hook.messages.map((m) => m.body.notificationId));
      expect(ids.size).toBe(1);
      const gaps = hook.messages.slice(1, 4).map((m, i) => m.at - hook.messages[i]!.at);
      expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
      expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
      const incident = (await s.incidents())[0]!;
      const log = (
        await s.server.app.inject({
          url: `/api/v1/incidents/${incident.id}/notifications`,
          headers: { authorization: `Bearer ${(await s.core.accounts.createToken({ name: 't', scope: 'read' })).token}` },
        })
      ).json();
      expect(log.data[0]).toMatchObject({ channel: 'hook', status: 'delivered' });
      expect(log.data[0].attempts.map((a: { ok: boolean; statusCode: number }) => `${a.ok}:${a.statusCode}`)).toEqual([
        'false:503',
        'false:503',
        'false:503',
        'true:200',
      ]);
    } finally {
      broken.delete('/retry');
      await s.close();
      await hook.close();
    }
  }, 40_000);

  it('escalates to step 2 when nobody acknowledges; a signed link stops it; a reused, expired or forged link is refused', async () => {
    const first = await webhookReceiver(SECRET);
    const second = await webhookReceiver(SECRET);
    const s = await scenario(`
server: { publicUrl: "http://upkeep.test" }
incidents: { groupWait: 0s }
escalation:
  - name: oncall
    steps:
      - notify: [first]
      - { after: 3s, notify: [second] }
sites:
  - name: Esc
    escalation: oncall
    monitors:
${monitor('Home', '/escalate')}${monitor('Api', '/escalate-2')}
  - name: Esc2
    escalation: oncall
    monitors:
${monitor('Other', '/escalate-3')}
channels:
  - { name: first, type: webhook, url: "${first.url}", secret: ${SECRET} }
  - { name: second, type: webhook, url: "${second.url}", secret: ${SECRET} }
`);
    try {
      await until('up', () => [...s.server.engine.states()].every(([, rt]) => rt.state.status === 'up'), 5_000);
      broken.add('/escalate');
      const opened = await until('step 1', () => first.messages.find((m) => m.body.event === 'incident.opened'), 10_000);
      expect(second.messages).toEqual([]);
      const escalated = await until('step 2 after its delay', () => second.messages.find((m) => m.body.event === 'incident.opened'), 10_000);
      expect(escalated.at - opened.at).toBeGreaterThanOrEqual(2_000);

      // Another site's incident, acknowledged from the link in its first message before step 2 is due.
      broken.add('/escalate-3');
      const other = await until(
        'the second incident',
        () => first.messages.find((m) => m.body.event === 'incident.opened' && m.body.incident.id !== opened.body.incident.id),
        10_000,
      );
      const path = new URL(other.body.incident.acknowledgeUrl!).pathname;
      const page = await s.server.app.inject(path);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<form method="post"');
      expect((await s.server.incidents.service.get(other.body.incident.id)).status).toBe('open');
      const ack = await s.server.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(ack.statusCode).toBe(200);
      expect(ack.body).toContain('is acknowledged');
      expect((await s.server.incidents.service.get(other.body.incident.id)).status).toBe('acknowledged');
      const reused = await s.server.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      expect(reused.statusCode).toBe(409);
      expect(reused.body).toContain('was used already');
      const forged = await s.server.app.inject({
        method: 'POST',
        url: `${path.slice(0, -3)}abc`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(forged.statusCode).toBe(400);
      expect(forged.body).toContain('not genuine');
      const expiredToken = new AckLinks(s.core.secrets.derive('acknowledge links')).sign(other.body.incident.id, Date.now() - 1);
      const expired = await s.server.app.inject({
        method: 'POST',
        url: `/ack/${expiredToken}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(expired.statusCode).toBe(400);
      expect(expired.body).toContain('has expired');
      await new Promise((r) => setTimeout(r, 4_000));
      // Step 2 never came for the acknowledged incident; those told so far heard of the acknowledgement.
      expect(second.messages.filter((m) => m.body.incident.id === other.body.incident.id)).toEqual([]);
      expect(first.messages.filter((m) => m.body.incident.id === other.body.incident.id).map((m) => m.body.event)).toEqual([
        'incident.opened',
        'incident.acknowledged',
      ]);
    } finally {
      broken.delete('/escalate');
      broken.delete('/escalate-3');
      await s.close();
      await first.close();
      await second.close();
    }
  }, 40_000);
});
