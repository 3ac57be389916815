import type { IncomingMessage, ServerResponse } from 'node:http';
import { generate } from 'selfsigned';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { testCertificates, type KeyAndCert } from '../fixtures/certs.js';
import { openTestCore } from '../support/core.js';
import { testServer } from '../support/http.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

/** A second certificate for localhost from the test CA: the site "renews" mid-test. */
async function renewed(ca: KeyAndCert): Promise<KeyAndCert> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  });
  return { key: pems.private, cert: `${pems.cert}\n${ca.cert}` };
}

describe.each(dialects)('audit history and regressions on $dialect', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  let site: Server;
  let port: number;
  let caPem: string;
  let second: KeyAndCert;
  const state = { csp: true };

  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    const certs = await testCertificates();
    caPem = certs.ca.cert;
    second = await renewed(certs.ca);
    site = createServer({ key: certs.valid.key, cert: `${certs.valid.cert}\n${certs.ca.cert}` }, (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, {
        'content-type': 'text/html',
        'strict-transport-security': 'max-age=31536000',
        'x-content-type-options': 'nosniff',
        ...(state.csp ? { 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" } : { 'x-frame-options': 'DENY' }),
      });
      res.end('<!doctype html><html lang="en"><title>Shop</title><h1>Shop</h1></html>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    port = (site.address() as AddressInfo).port;
  });
  afterAll(async () => {
    site?.closeAllConnections();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await core?.close();
    await db?.cleanup();
  });

  it.skipIf(skip)('keeps every audit of a site and says what got worse since the previous one', async () => {
    const created = await core.sites.createSite({ name: 'Shop', url: `https://localhost:${port}/` });
    const options = { only: ['security' as const], allowPrivate: true, ca: [caPem] };
    const first = await core.audits.runAudit(created.id, options);
    expect(first.siteId).toBe(created.id);
    expect(await core.audits.compareWithPrevious(first)).toEqual([]);

    const unchanged = await core.audits.runAudit(created.id, options);
    expect(await core.audits.compareWithPrevious(unchanged)).toEqual([]);

    state.csp = false;
    site.setSecureContext(second);
    const worse = await core.audits.runAudit(created.id, options);
    const regressions = await core.audits.compareWithPrevious(worse);
    const byType = (type: string) => regressions.filter((r) => r.type === type);
    expect(byType('new_finding').map((r) => (r.type === 'new_finding' ? r.finding.id : ''))).toContain('security.headers.csp-not-implemented');
    expect(byType('score_dropped')).toEqual([
      expect.objectContaining({ score: 'security', from: first.scores.security, to: worse.scores.security, previousAuditId: unchanged.id }),
    ]);
    expect(byType('certificate_changed')).toEqual([expect.objectContaining({ category: 'security', siteId: created.id })]);

    const page = await core.audits.listAudits(created.id, { limit: 2 });
    expect(page.total).toBe(3);
    expect(page.items.map((a) => a.id)).toEqual([worse.id, unchanged.id]);
    const rest = await core.audits.listAudits(created.id, { limit: 2, before: Number(page.nextCursor) });
    expect(rest.items.map((a) => a.id)).toEqual([first.id]);
  });

  it.skipIf(skip)('serves the history over the API, token required', async () => {
    const server = await testServer(core);
    const app = server.app;
    try {
      const token = (await core.accounts.createToken({ name: 'r', scope: 'read' })).token;
      const headers = { authorization: `Bearer ${token}` };
      const siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
      expect((await app.inject(`/api/v1/sites/${siteId}/audits`)).statusCode).toBe(401);
      const list = await app.inject({ url: `/api/v1/sites/${siteId}/audits?limit=2`, headers });
      expect(list.statusCode).toBe(200);
      expect(list.json().page).toMatchObject({ total: 3, limit: 2, nextCursor: expect.any(String) });
      const latest = list.json().data[0];
      const one = await app.inject({ url: `/api/v1/audits/${latest.id}`, headers });
      expect(one.json()).toMatchObject({
        id: latest.id,
        siteId,
        categories: ['security'],
        status: 'done',
        grades: { security: expect.any(String), tls: 'A+' },
      });
      expect(one.json().findings.map((f: { id: string }) => f.id)).toContain('security.headers.csp-not-implemented');
      const report = await app.inject({ url: `/api/v1/audits/${latest.id}/report`, headers });
      expect(report.headers['content-type']).toContain('text/html');
      expect(report.body).toContain('No Content Security Policy');
      expect((await app.inject({ url: '/api/v1/audits/999999', headers })).json().error).toMatchObject({
        code: 'not_found',
        message: 'audit 999999 does not exist',
      });
      expect((await app.inject({ url: `/api/v1/sites/${siteId}/audits?limit=0`, headers })).statusCode).toBe(400);
      expect((await app.inject({ url: '/api/v1/sites/999999/audits', headers })).statusCode).toBe(404);
      const paths = Object.keys((await app.inject('/api/v1/openapi.json')).json().paths);
      expect(paths).toEqual(expect.arrayContaining(['/api/v1/sites/{id}/audits', '/api/v1/audits/{id}', '/api/v1/audits/{id}/report']));
    } finally {
      await server.close();
    }
  });
});
