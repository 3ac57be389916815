import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/audits/security/retire.js';
import type { Observed } from '../../src/updates/component.js';
import { assess } from '../../src/updates/match.js';
import { emptyKnowledge } from '../../src/updates/snapshot/format.js';
import { refreshKnowledge, type SourceSettings } from '../../src/updates/snapshot/refresh.js';
import { closedPort, type TestServer } from '../fixtures/servers.js';
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

/** The services' answers in the shapes each one documents (trimmed to realistic samples). */
function answer(req: Recorded) {
  const url = new URL(req.path, 'http://x');
  switch (url.pathname) {
    case '/eol/api/php.json':
      return {
        json: [
          { cycle: '8.4', releaseDate: '2024-11-21', support: '2026-12-31', eol: '2028-12-31', latest: '8.4.1', latestReleaseDate: '2024-11-21', lts: false },
          { cycle: '7.4', releaseDate: '2019-11-28', support: '2021-11-28', eol: '2022-11-28', latest: '7.4.33', latestReleaseDate: '2022-11-03', lts: false },
        ],
      };
    case '/eol/api/wordpress.json':
      return {
        json: [
          { cycle: '6.7', releaseDate: '2024-11-12', eol: false, latest: '6.7.1', latestReleaseDate: '2024-11-21', support: true },
          { cycle: '6.4', releaseDate: '2023-11-07', eol: '2024-04-02', latest: '6.4.5', latestReleaseDate: '2024-06-24', support: '2024-04-02' },
        ],
      };
    case '/wporg/core/version-check/1.7/':
      return {
        json: {
          offers: [
            {
              response: 'upgrade',
              download: 'https://downloads.wordpress.org/release/wordpress-6.7.1.zip',
              locale: 'en_US',
              current: '6.7.1',
              version: '6.7.1',
              php_version: '7.2.24',
              mysql_version: '5.5.5',
              new_bundled: '6.7',
              partial_version: false,
            },
            { response: 'autoupdate', current: '6.7.1', version: '6.7.1', new_files: true },
          ],
          translations: [],
        },
      };
    case '/wporg/plugins/info/1.2/': {
      const slug = url.searchParams.get('request[slug]');
      if (slug === 'akismet')
        return {
          json: {
            name: 'Akismet Anti-spam: Spam Protection',
            slug,
            version: '5.3.5',
            requires: '5.8',
            tested: '6.7.1',
            requires_php: '5.6.20',
            last_updated: '2024-11-12 6:32pm GMT',
            added: '2005-10-20',
          },
        };
      return {
        status: 404,
        json: {
          error: 'closed',
          name: 'WP Fastest Cache Premium',
          slug,
          description: 'This plugin has been closed as of September 5, 2023 and is not available for download. Reason: Security Issue.',
          closed: true,
          closed_date: '2023-09-05',
          reason: 'security-issue',
          reason_text: 'Security Issue',
        },
      };
    }
    case '/wporg/themes/info/1.2/':
      return {
        json: { name: 'Twenty Twenty-Four', slug: 'twentytwentyfour', version: '1.3', last_updated: '2024-11-12', requires: '6.4', requires_php: '7.0' },
      };
    case '/wf/vulnerabilities/production':
      return {
        json: {
          '6c3a8f5c-1f7e-4b8c-9f52-2a7c3e1d9b01': {
            id: '6c3a8f5c-1f7e-4b8c-9f52-2a7c3e1d9b01',
            title: 'Akismet <= 5.3 - Authenticated (Contributor+) Stored Cross-Site Scripting',
            software: [
              {
                type: 'plugin',
                name: 'Akismet Anti-spam: Spam Protection',
                slug: 'akismet',
                affected_versions: { '* - 5.3': { from_version: '*', from_inclusive: true, to_version: '5.3', to_inclusive: true } },
                patched: true,
                patched_versions: ['5.3.1'],
                remediation: 'Update to version 5.3.1, or a newer patched version',
              },
            ],
            informational: false,
            description: 'The plugin is vulnerable to Stored Cross-Site Scripting.',
            references: ['https://www.wordfence.com/threat-intel/vulnerabilities/id/6c3a8f5c-1f7e-4b8c-9f52-2a7c3e1d9b01?source=api-prod'],
            cwe: { id: 79, name: 'Cross-site Scripting', description: '…' },
            cvss: { vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', score: 6.4, rating: 'Medium' },
            cve: 'CVE-2024-99999',
            cve_link: 'https://www.cve.org/CVERecord?id=CVE-2024-99999',
            researchers: ['A. Researcher'],
            published: '2024-02-01 00:00:00',
            updated: '2024-02-02 10:00:00',
            copyrights: {
              message: 'This record contains material that is subject to copyright',
              defiant: {
                notice: 'Copyright 2012-2024 Defiant Inc.',
                license: 'Defiant hereby grants you a perpetual, worldwide, …',
                license_url: 'https://www.wordfence.com/wordfence-intelligence-terms-and-conditions/',
              },
            },
          },
        },
      };
    case '/npm/minimist':
      return {
        json: {
          _id: 'minimist',
          name: 'minimist',
          'dist-tags': { latest: '1.2.8' },
          versions: { '1.2.5': {}, '1.2.8': {} },
          time: { created: '2013-06-25T08:20:56.000Z', modified: '2023-02-09T00:00:00.000Z', '1.2.8': '2023-02-09T18:10:12.000Z' },
        },
      };
    case '/npm/@babel%2fcore':
      return {
        json: {
          _id: '@babel/core',
          name: '@babel/core',
          'dist-tags': { latest: '7.26.0', next: '8.0.0-alpha.13' },
          versions: {},
          time: { '7.26.0': '2024-10-25T13:30:00.000Z' },
        },
      };
    case '/packagist/p2/league/flysystem.json':
      return {
        json: {
          packages: {
            'league/flysystem': [
              {
                name: 'league/flysystem',
                description: 'File storage abstraction for PHP',
                version: '3.29.1',
                version_normalized: '3.29.1.0',
                time: '2024-10-08T08:58:34+00:00',
                require: { php: '^8.0.2' },
              },
              { version: '3.29.0', version_normalized: '3.29.0.0', time: '2024-09-29T11:59:11+00:00' },
              { version: '3.0.0-beta.1', version_normalized: '3.0.0.0-beta1', time: '2021-12-01T00:00:00+00:00' },
            ],
          },
          minified: 'composer/2.0',
        },
      };
    default:
      return undefined;
  }
}

describe('knowledge sources, each against its service on loopback', () => {
  let service: TestServer & { requests: Recorded[] };
  let settings: SourceSettings;
  beforeAll(async () => {
    service = await startService(answer);
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
