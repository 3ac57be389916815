import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/audits/security/retire.js';
import type { Observed } from '../../src/updates/component.js';
import { assess } from '../../src/updates/match.js';
import { readInside } from '../../src/updates/readers/inside/index.js';
import { loadKnowledge } from '../../src/updates/snapshot/load.js';
import { refreshKnowledge } from '../../src/updates/snapshot/refresh.js';
import { osvPackageOf } from '../../src/updates/sources/osv-records.js';
import { runCli } from '../support/cli.js';
import { RECORDED } from './fixtures/osv-recorded.js';
import { recordedOsvAnswer } from './fixtures/services.js';
import { loopbackFetch, startService, startWordPressSite } from './support.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/site-files/${name}`, import.meta.url), 'utf8');
const now = new Date();
const retire = loadRepository();

/** What OSV recorded for a component, under the package name and ecosystem OSV was asked with. */
function recordedFor(c: Observed): string[] {
  const pkg = osvPackageOf(c)!;
  const ids = RECORDED[`${pkg.ecosystem}|${pkg.name}|${c.version}`];
  if (!ids) throw new Error(`no recorded OSV answer for ${pkg.ecosystem} ${pkg.name} ${c.version}`);
  return ids;
}

const ids = (c: { vulnerabilities: { id: string }[] }) => c.vulnerabilities.map((v) => v.id).sort();

const startRecordedOsv = () => startService(recordedOsvAnswer);

const onlyOsv = (baseUrl: string) => ({ osv: { baseUrl }, endoflife: false, 'wordpress-org': false, wordfence: false, npm: false, packagist: false }) as const;

/** The shipped snapshot, refreshed from OSV on loopback for these components. */
async function withRecordedOsv(components: readonly Observed[]) {
  const osv = await startRecordedOsv();
  try {
    const { knowledge, results } = await refreshKnowledge({
      knowledge: loadKnowledge(undefined, now).knowledge,
      fetch: loopbackFetch,
      components,
      sources: onlyOsv(osv.url()),
    });
    expect(results).toEqual([{ kind: 'osv', ok: true, message: 'refreshed' }]);
    return { knowledge, asked: JSON.parse(osv.requests.find((r) => r.path === '/v1/querybatch')!.body).queries as unknown[] };
  } finally {
    await osv.close();
  }
}

describe('lock files of fixed versions: exact components, and their known vulnerabilities as OSV answered', () => {
  it.each(['package-lock.v1.json', 'package-lock.v2.json', 'package-lock.v3.json'])('%s', async (file) => {
    const found = readInside([{ path: '/srv/app/package-lock.json', content: fixture(file) }]);
    expect(found.map((c) => `${c.name}@${c.version}`).sort()).toEqual([
      'ansi-html@0.0.1',
      'balanced-match@1.0.2',
      'has-flag@4.0.0',
      'minimist@0.0.8',
      'mkdirp@0.5.0',
      'ms@2.1.3',
      'type-fest@4.26.1',
      'wrappy@1.0.2',
    ]);
    const { knowledge, asked } = await withRecordedOsv(found);
    expect(asked).toContainEqual({ package: { ecosystem: 'npm', name: 'minimist' }, version: '0.0.8' });
    const assessed = assess(found, knowledge, retire, now);
    for (const c of assessed) expect(ids(c), `${c.name}@${c.version}`).toEqual(recordedFor(c));
    expect(assessed.find((c) => c.name === 'minimist')!.vulnerabilities.map((v) => [v.id, v.severity, v.fixedIn])).toEqual([
      ['GHSA-vh95-rmgr-6w4m', 'medium', ['0.2.1']],
      ['GHSA-xvch-5gv4-984h', 'critical', ['0.2.4']],
    ]);
  });

  it('composer.lock (packages and packages-dev)', async () => {
    const found = readInside([{ path: '/srv/app/composer.lock', content: fixture('composer.lock') }]);
    expect(found.map((c) => `${c.name}@${c.version}`).sort()).toEqual(['league/flysystem@1.0.8', 'sentry/sdk@2.0.4', 'theseer/tokenizer@1.1.3']);
    const assessed = assess(found, (await withRecordedOsv(found)).knowledge, retire, now);
    for (const c of assessed) expect(ids(c), `${c.name}@${c.version}`).toEqual(recordedFor(c));
    expect(assessed.find((c) => c.name === 'league/flysystem')?.vulnerabilities[0]).toMatchObject({
      aliases: ['CVE-2021-32708'],
      severity: 'critical',
      fixedIn: ['1.1.4'],
    });
  });
});

describe('dpkg status of a Debian 10 system: exact packages, and their vulnerabilities as OSV answered', () => {
  it('reads the installed packages and asks OSV (on loopback, answering as recorded) by source package and release', async () => {
    const found = readInside([
      { path: '/var/lib/dpkg/status', content: fixture('dpkg-status') },
      { path: '/etc/os-release', content: fixture('os-release') },
    ]);
    const packages = found.filter((c) => c.ecosystem === 'debian');
    expect(packages.map((c) => `${c.name}=${c.version}`)).toEqual([
      'acl=2.2.53-4',
      'adduser=3.118',
      'bash=5.0-4',
      'debian-archive-keyring=2019.1+deb10u1',
      'libexpat1=2.2.6-2+deb10u6',
      'libc6=2.28-10+deb10u2',
      'libc-bin=2.28-10+deb10u2',
      'libgnutls30=3.6.7-4+deb10u10',
      'libtinfo6=6.1+20181013-2+deb10u3',
      'libssl1.1=1.1.1n-0+deb10u5',
      'libsystemd0=241-7~deb10u9',
      'tar=1.30+dfsg-6',
    ]);
    const debian = found.find((c) => c.ecosystem === 'os:debian');
    expect(debian).toMatchObject({ name: 'debian', version: '10' });
    // Offline, from the shipped data (distro-info-data): Debian 10's security support has ended.
    expect(assess([debian!], loadKnowledge(undefined, now).knowledge, retire, now)[0]).toMatchObject({ endOfLife: true, eolDate: '2022-09-10' });

    const { knowledge, asked } = await withRecordedOsv(found);
    expect(asked).toContainEqual({ package: { ecosystem: 'Debian:10', name: 'glibc' }, version: '2.28-10+deb10u2' });
    for (const c of assess(packages, knowledge, retire, now)) expect(ids(c), `${c.name}=${c.version}`).toEqual(recordedFor(c));
  });
});

describe('inventory from outside of a loopback site, offline, from the shipped data', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'upkeep-inventory-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('shows the CMS version and the JavaScript libraries with known vulnerabilities (upkeep inventory --json)', async () => {
    const site = await startWordPressSite();
    try {
      const { code, stdout, stderr } = await runCli(['inventory', site.url('/'), '--allow-private', '--json', '--data-dir', dataDir]);
      expect(code, stderr).toBe(0);
      const out = JSON.parse(stdout);
      const byName = Object.fromEntries(out.components.map((c: { ecosystem: string; name: string }) => [`${c.ecosystem}/${c.name}`, c]));
      expect(byName['wordpress-core/wordpress'].version).toBe('6.1.1');
      expect(byName['js-library/jquery'].version).toBe('1.12.4');
      expect(byName['js-library/jquery'].vulnerabilities.map((v: { id: string }) => v.id)).toEqual(
        expect.arrayContaining(['CVE-2020-11022', 'CVE-2019-11358']),
      );
      expect(byName['wordpress-plugin/contact-form-7'].version).toBe('5.7.2');
      expect(byName['wordpress-theme/twentytwentytwo'].version).toBe('1.3');
      expect(byName['runtime:php/php'].version).toBe('7.4.33');
      expect(byName['server:nginx/nginx'].version).toBe('1.18.0');
      // Offline: the knowledge is the shipped snapshot (registry packages; JavaScript libraries from the vendored retire.js data), and the output says how old it is.
      expect(out.knowledge.ageDays).toBeGreaterThanOrEqual(0);
      expect(out.knowledge.sources.map((s: { name: string }) => s.name.replace(/[@=].*/, ''))).toEqual([
        'node-releases',
        'is-my-node-vulnerable',
        'distro-info-data',
        'osinfo-db',
      ]);
      expect(site.requests.every((r) => !r.path.startsWith('/v1/'))).toBe(true);

      const human = await runCli(['inventory', site.url('/'), '--allow-private', '--data-dir', dataDir]);
      expect(human.stdout).toMatch(/^ {2}wordpress-core\s+wordpress\s+6\.1\.1$/m);
      expect(human.stdout).toMatch(/js-library\s+jquery\s+1\.12\.4\s+.*known vulnerabilities \(worst: (medium|high)\)/);
      const wrong = await runCli(['inventory', 'ftp://example.com/', '--data-dir', dataDir]);
      expect([wrong.code, wrong.stderr.trim()]).toEqual([2, 'upkeep: "ftp://example.com/" is not an http(s) URL']);
    } finally {
      await site.close();
    }
    // Three runs of the real CLI, each starting Node and tsx: slow on a loaded machine.
  }, 120_000);
});
