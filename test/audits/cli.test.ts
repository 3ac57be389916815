import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';

let site: DefectiveSite;
let data: ReturnType<typeof tempDir>;
/** The fixture's third-party names point at loopback: no test query leaves the machine. */
const resolveArgs = () => Object.entries(site.resolve).flatMap(([host, ip]) => ['--resolve', `${host}:${ip}`]);
beforeAll(async () => {
  site = await startDefectiveSite();
  data = tempDir();
});
afterAll(async () => {
  await site?.close();
  data?.cleanup();
});

describe('upkeep audit', () => {
  it('prints { url, startedAt, scores, grades, findings } with --json and writes --html', async () => {
    const html = join(data.path, 'report.html');
    const res = await runCli(['audit', site.url, '--only', 'security,links', '--json', '--html', html, '--allow-private', '-d', data.path, ...resolveArgs()]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(Object.keys(out)).toEqual(['url', 'startedAt', 'scores', 'grades', 'findings']);
    expect(out.url).toBe(site.url);
    expect(out.grades.security).toBe('F');
    expect(Object.keys(out.findings[0]).sort()).toEqual(['category', 'evidence', 'fix', 'id', 'severity', 'title']);
    expect(out.findings.map((f: { id: string }) => f.id)).toContain('security.exposed-file:/.env');
    // Progress goes to stderr, step by step.
    expect(res.stderr).toMatch(/▸ security[\s\S]*✓ security: \d+ findings[\s\S]*▸ links[\s\S]*report written to/);
    const report = readFileSync(html, 'utf8');
    expect(report).toContain('Environment file with secrets is public (/.env)');
    expect(report).toContain('What to do:');
    expect(report).not.toMatch(/<script/i);
  });

  it('says what got worse since the previous audit, and fails on request', async () => {
    const res = await runCli(['audit', site.url, '--only', 'security', '--allow-private', '--fail-on', 'critical', '-d', data.path, ...resolveArgs()]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('[critical] Environment file with secrets is public (/.env)');
    expect(res.stdout).not.toContain('Since the previous audit');
  });

  it('refuses loopback without --allow-private and says how to allow it', async () => {
    const res = await runCli(['audit', site.url, '--only', 'security', '-d', data.path, ...resolveArgs()]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/could not run: .*--allow-private/);
  });

  it.each([
    [['audit', 'not a url'], /"not a url" is neither an http\(s\) URL nor the name of a site/],
    [['audit', 'ftp://example.com/'], /neither an http\(s\) URL/],
    [['audit', 'https://example.com/', '--only', 'security,speed'], /--only <categories>.*"speed" is not one/],
    [['audit', 'https://example.com/', '--ca', '/nonexistent/ca.pem'], /--ca \/nonexistent\/ca\.pem: ENOENT/],
    [['audit', 'https://example.com/', '--resolve', 'example.com'], /--resolve expects host:address/],
    [['audit', 'https://example.com/', '--fail-on', 'bad'], /Allowed choices are critical, high, medium, low, info/],
  ])('rejects %j with a clear message and exit code 2', async (args, message) => {
    const res = await runCli([...args, '-d', data.path]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('upkeep audit-vulns', () => {
  let registry: TestServer;
  const repository = {
    jquery: {
      vulnerabilities: [{ below: '99.0.0', severity: 'high', identifiers: { summary: 'everything is vulnerable' } }],
      extractors: { filename: ['jquery-(§§version§§)(\\.min)?\\.js'] },
    },
  };

  /** One file in a ustar archive: what `npm pack` makes. */
  function tarball(name: string, content: string): Buffer {
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    const sum = [...header].reduce((a, b) => a + b, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const body = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
    body.write(content);
    return gzipSync(Buffer.concat([header, body, Buffer.alloc(1024)]));
  }

  beforeAll(async () => {
    const tgz = tarball('package/vulnerabilities/RetireJsVulns.json', JSON.stringify(repository));
    registry = await startHttpServer((req, res) => {
      if (req.url === '/latest') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: '@salesforce/code-analyzer-retirejs-engine', dist: { tarball: `${registry.origin}/engine.tgz` } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(tgz);
      }
    });
  });
  afterAll(() => registry?.close());

  it('takes the repository out of the package tarball named by npm metadata, and audits then use it', async () => {
    const dir = tempDir();
    try {
      const res = await runCli(['audit-vulns', '--from', `${registry.origin}/latest`, '--allow-private', '-d', dir.path]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toBe(`1 libraries from ${registry.origin}/engine.tgz saved to ${join(dir.path, 'retirejs-vulns.json')}\n`);
      const audit = await runCli(['audit', site.url, '--only', 'security', '--json', '--allow-private', '-d', dir.path, ...resolveArgs()]);
      const jquery = JSON.parse(audit.stdout).findings.find((f: { id: string }) => f.id === 'security.vulnerable-js:jquery@1.8.3');
      expect(jquery.evidence).toContain('everything is vulnerable');
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a file that is not the repository and keeps the one it has', async () => {
    const file = join(data.path, 'wrong.json');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    const res = await runCli(['audit-vulns', '--from', file, '-d', data.path]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('is not a retire.js vulnerability repository');
  });
});
