import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { openTestCore } from '../support/core.js';
import { testCertificates } from '../fixtures/certs.js';
import { startHttpServer } from '../fixtures/servers.js';
import { startCleanSite, type CleanSite } from '../fixtures/audit-sites/clean.js';
import { SOFT_404_DECOYS, startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';

let db: TestDatabase;
let core: Core;
let defective: DefectiveSite;
let clean: CleanSite;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  [defective, clean] = await Promise.all([startDefectiveSite(), startCleanSite()]);
});
afterAll(async () => {
  await Promise.all([defective?.close(), clean?.close()]);
  await core?.close();
  await db?.cleanup();
});

describe('security audit of a site with known defects', () => {
  let ids: string[];
  let audit: Awaited<ReturnType<Core['audits']['runAudit']>>;
  beforeAll(async () => {
    audit = await core.audits.runAudit(defective.url, { only: ['security'], allowPrivate: true, resolve: defective.resolve, ca: [defective.ca] });
    ids = audit.findings.map((f) => f.id);
  });

  it('finds the missing CSP and X-Frame-Options and grades the headers low', () => {
    expect(ids).toContain('security.headers.csp-not-implemented');
    expect(ids).toContain('security.headers.x-frame-options-not-implemented');
    expect(audit.grades.security).toBe('F');
  });

  it('finds the session cookie without HttpOnly, Secure or SameSite', () => {
    const cookie = audit.findings.find((f) => f.id === 'security.cookie-flags:PHPSESSID');
    expect(cookie?.title).toBe('Session cookie PHPSESSID is missing HttpOnly, Secure, SameSite');
    expect(ids).toContain('security.headers.cookies-session-without-secure-flag');
  });

  it('confirms the exposed .env and .git/config by their content', () => {
    expect(ids).toContain('security.exposed-file:/.env');
    expect(ids).toContain('security.exposed-file:/.git/config');
    expect(audit.findings.find((f) => f.id === 'security.exposed-file:/.env')?.severity).toBe('critical');
  });

  it('does not report soft-404 decoys that answer 200 with a not-found page', () => {
    for (const path of SOFT_404_DECOYS) expect(ids).not.toContain(`security.exposed-file:${path}`);
    // The decoys were really asked for: not reporting them is a decision, not a missed request.
    expect(defective.hits).toEqual(expect.arrayContaining(['site /backup.zip', 'site /phpinfo.php']));
  });

  it('recognises the old jQuery from retire.js data and says what to upgrade to', () => {
    const jquery = audit.findings.find((f) => f.id === 'security.vulnerable-js:jquery@1.8.3');
    expect(jquery?.fix).toMatch(/Upgrade jquery to 3\.5\.0 or later/);
    expect(jquery?.evidence).toContain('CVE-2020-11022');
  });

  it('reports the version banners and keeps the software it saw', () => {
    expect(audit.findings.find((f) => f.id === 'security.version-disclosure:server')?.evidence).toBe('Server: Apache/2.4.29 (Ubuntu)');
    expect(ids).toEqual(expect.arrayContaining(['security.version-disclosure:x-powered-by', 'security.version-disclosure:generator']));
    expect(audit.facts.technologies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Apache', version: '2.4.29' }),
        expect.objectContaining({ name: 'PHP', version: '7.2.24' }),
        expect.objectContaining({ name: 'WordPress', version: '5.2.1' }),
        expect.objectContaining({ name: 'jquery', version: '1.8.3' }),
      ]),
    );
  });

  it('gives every finding an id, category, severity, title, evidence and fix', () => {
    for (const f of audit.findings) {
      expect(Object.keys(f).sort()).toEqual(['category', 'evidence', 'fix', 'id', 'severity', 'title']);
      expect(f.title.length * f.evidence.length * f.fix.length).toBeGreaterThan(0);
    }
  });
});

describe('security audit of a clean site', () => {
  it('grades A-range with no findings, TLS included', async () => {
    const audit = await core.audits.runAudit(clean.url, { only: ['security'], allowPrivate: true, ca: [clean.ca], ports: { http: clean.http.port } });
    expect(audit.errors).toEqual({});
    expect(audit.findings).toEqual([]);
    expect(audit.grades.security).toMatch(/^A/);
    expect(audit.grades.tls).toBe('A+');
    expect(audit.facts.certificate?.subject).toContain('localhost');
  });
});

describe('mixed content', () => {
  it('reports scripts and images an HTTPS page loads over plain HTTP, active ones as high', async () => {
    const certs = await testCertificates();
    const page = await startHttpServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<script src="http://cdn.example.net/lib.js"></script><img src="http://img.example.net/a.png" alt="a"><img src="/ok.png" alt="ok">');
      },
      { tls: certs.valid },
    );
    try {
      // The page's foreign hosts point at loopback, where nothing answers: no query leaves the machine.
      const resolve = { 'cdn.example.net': '127.0.0.1', 'img.example.net': '127.0.0.1' };
      const audit = await core.audits.runAudit(`https://localhost:${page.port}/`, { only: ['security'], allowPrivate: true, ca: [certs.ca.cert], resolve });
      const mixed = audit.findings.filter((f) => f.id.startsWith('security.mixed-content'));
      expect(mixed.map((f) => [f.id, f.severity, f.evidence])).toEqual([
        ['security.mixed-content.active', 'high', '<script> http://cdn.example.net/lib.js'],
        ['security.mixed-content.passive', 'low', '<img> http://img.example.net/a.png'],
      ]);
    } finally {
      await page.close();
    }
  });
});

describe('headers sent twice', () => {
  it('are graded as the Observatory grades them: folded into one value, which is invalid', async () => {
    const certs = await testCertificates();
    const page = await startHttpServer(
      (_req, res) => {
        // Two proxies each adding their own copy, as happens behind a CDN and a web server.
        res.setHeader('strict-transport-security', ['max-age=63072000', 'max-age=63072000']);
        res.setHeader('x-frame-options', ['SAMEORIGIN', 'SAMEORIGIN']);
        res.setHeader('x-content-type-options', ['nosniff', 'nosniff']);
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Twice</title><p>Hello</p>');
      },
      { tls: certs.valid },
    );
    try {
      const audit = await core.audits.runAudit(`https://localhost:${page.port}/`, { only: ['security'], allowPrivate: true, ca: [certs.ca.cert] });
      const ids = audit.findings.map((f) => f.id);
      expect(ids).toEqual(
        expect.arrayContaining([
          'security.headers.hsts-header-invalid',
          'security.headers.x-frame-options-header-invalid',
          'security.headers.x-content-type-options-header-invalid',
        ]),
      );
      expect(audit.findings.find((f) => f.id === 'security.headers.x-frame-options-header-invalid')?.evidence).toContain('"SAMEORIGIN", "SAMEORIGIN"');
    } finally {
      await page.close();
    }
  });
});

describe('the network policy', () => {
  it('refuses a loopback site unless private targets are allowed, and says how to allow them', async () => {
    const audit = await core.audits.runAudit(defective.url, { only: ['security'], resolve: defective.resolve });
    expect(audit.status).toBe('failed');
    expect(audit.errors.security).toMatch(/blocked.*--allow-private/);
  });
});
