import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/audits/security/retire.js';
import type { Observed } from '../../src/updates/component.js';
import { assess } from '../../src/updates/match.js';
import { emptyKnowledge } from '../../src/updates/snapshot/format.js';
import { refreshKnowledge, type SourceSettings } from '../../src/updates/snapshot/refresh.js';
import { closedPort, type TestServer } from '../fixtures/servers.js';
import { documentedAnswer } from './fixtures/services.js';
import { loopbackFetch, startService, type Recorded } from './support.js';

const seen = [{ source: 'test', at: 'fixture' }];
const components: Observed[] = [
  { name: 'wordpress', ecosystem: 'wordpress-core', version: '6.4.2', seen },
  { name: 'akismet', ecosystem: 'wordpress-plugin', version: '5.3', seen },
  { name: 'wp-fastest-cache-premium', ecosystem: 'wordpress-plugin', version: '1.6.0', seen },
  { name: 'twentytwentyfour', ecosystem: 'wordpress-theme', version: '1.0', seen },
  { name: 'php', ecosystem: 'runtime:php', version: '7.4.33', seen },
  { name: 'minimist', ecosystem: 'npm', version: '1.2.5', seen },
  { name: '@babel/core', ecosystem: 'npm', version: '7.24.0', seen },
  { name: 'league/flysystem', ecosystem: 'packagist', version: '3.0.0', seen },
];

describe('knowledge sources, each against its service on loopback', () => {
  let service: TestServer & { requests: Recorded[] };
  let settings: SourceSettings;
  beforeAll(async () => {
    service = await startService(documentedAnswer);
    settings = {
      endoflife: { baseUrl: service.url('/eol') },
      osv: false,
      'wordpress-org': { baseUrl: service.url('/wporg') },
      wordfence: { baseUrl: service.url('/wf/'), token: 'wf-token' },
      npm: { baseUrl: service.url('/npm') },
      packagist: { baseUrl: service.url('/packagist') },
    };
  });
  afterAll(() => service.close());

  it('refreshes latest versions, end of life, closed plugins and WordPress vulnerabilities', async () => {
    const now = new Date('2025-01-15T00:00:00Z');
    const { knowledge, results } = await refreshKnowledge({
      knowledge: emptyKnowledge('2024-01-01T00:00:00.000Z'),
      fetch: loopbackFetch,
      components,
      sources: settings,
      now,
    });
    expect(results.map((r) => `${r.kind}:${r.ok}`)).toEqual(['endoflife:true', 'wordpress-org:true', 'wordfence:true', 'npm:true', 'packagist:true']);
    expect(knowledge.builtAt).toBe(now.toISOString());
    expect(service.requests.find((r) => r.path.startsWith('/wf/'))?.headers.authorization).toBe('Bearer wf-token');

    const assessed = Object.fromEntries(assess(components, knowledge, loadRepository(), now).map((c) => [c.name, c]));
    expect(assessed.wordpress).toMatchObject({ latest: '6.7.1', latestInCycle: '6.4.5', eolDate: '2024-04-02', endOfLife: true });
    expect(assessed.php).toMatchObject({ latest: '8.4.1', eolDate: '2022-11-28', endOfLife: true });
    expect(assessed.akismet).toMatchObject({ latest: '5.3.5' });
    expect(assessed.akismet!.vulnerabilities).toEqual([
      {
        id: '6c3a8f5c-1f7e-4b8c-9f52-2a7c3e1d9b01',
        aliases: ['CVE-2024-99999'],
        severity: 'medium',
        summary: 'Akismet <= 5.3 - Authenticated (Contributor+) Stored Cross-Site Scripting',
        fixedIn: ['5.3.1'],
        url: 'https://www.wordfence.com/threat-intel/vulnerabilities/id/6c3a8f5c-1f7e-4b8c-9f52-2a7c3e1d9b01?source=api-prod',
      },
    ]);
    expect(assessed['wp-fastest-cache-premium']?.closed).toEqual({ date: '2023-09-05', reason: 'Security Issue' });
    expect(assessed.twentytwentyfour?.latest).toBe('1.3');
    expect(assessed.minimist?.latest).toBe('1.2.8');
    expect(assessed['@babel/core']?.latest).toBe('7.26.0');
    expect(knowledge.latest.npm?.['@babel/core']).toEqual({ version: '7.26.0', date: '2024-10-25' });
    expect(assessed['league/flysystem']?.latest).toBe('3.29.1');
  });

  it('a source that cannot be reached is a result, and what was known stays', async () => {
    const port = await closedPort();
    const before = emptyKnowledge('2024-01-01T00:00:00.000Z');
    before.eol.php = [{ cycle: '7.4', eol: '2022-11-28', latest: '7.4.33' }];
    const { knowledge, results } = await refreshKnowledge({
      knowledge: before,
      fetch: loopbackFetch,
      components,
      sources: {
        endoflife: { baseUrl: `http://127.0.0.1:${port}` },
        osv: false,
        'wordpress-org': false,
        wordfence: { baseUrl: 'not a url' },
        npm: false,
        packagist: false,
      },
    });
    expect(results[0]).toMatchObject({ kind: 'endoflife', ok: false });
    expect(results[0]!.message).toMatch(/refused/);
    expect(results[1]).toMatchObject({ kind: 'wordfence', ok: false, message: expect.stringMatching(/invalid settings/) });
    expect(knowledge).toEqual(before);
  });

  it('keeps what it learnt under the source’s URL without the credentials it was reached with', async () => {
    const withCredentials = new URL(service.url('/eol'));
    withCredentials.username = 'mirror';
    withCredentials.password = 's3cret';
    const { knowledge, results } = await refreshKnowledge({
      knowledge: emptyKnowledge('2024-01-01T00:00:00.000Z'),
      fetch: loopbackFetch,
      components,
      sources: { endoflife: { baseUrl: withCredentials.href }, osv: false, 'wordpress-org': false, wordfence: false, npm: false, packagist: false },
    });
    expect(results).toMatchObject([{ kind: 'endoflife', ok: true }]);
    expect(service.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('mirror:s3cret').toString('base64')}`);
    expect(knowledge.sources).toMatchObject([{ url: service.url('/eol') }]);
    expect(JSON.stringify(knowledge)).not.toContain('s3cret');
  });

  it('an answer of the wrong shape is named, not half-read', async () => {
    const odd = await startService(() => ({ json: { releases: 'not a list' } }));
    try {
      const { results } = await refreshKnowledge({
        knowledge: emptyKnowledge('2024-01-01T00:00:00.000Z'),
        fetch: loopbackFetch,
        components,
        sources: { endoflife: { baseUrl: odd.url() }, osv: false, 'wordpress-org': false, wordfence: false, npm: false, packagist: false },
      });
      expect(results[0]?.message).toMatch(/answered an unexpected shape/);
    } finally {
      await odd.close();
    }
  });
});
