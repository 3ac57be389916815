import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/audits/security/retire.js';
import type { Observed } from '../../src/updates/component.js';
import { assess } from '../../src/updates/match.js';
import { buildSnapshot } from '../../src/updates/snapshot/build.js';
import type { Knowledge } from '../../src/updates/snapshot/format.js';
import { loadKnowledge, REFRESHED_FILE, SHIPPED_SNAPSHOT, writeKnowledgeFile } from '../../src/updates/snapshot/load.js';
import { projectRoot } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'upkeep-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: unknown) {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
}

// Miniatures of the registry packages the shipped snapshot is built from, laid out as the real ones are.
write('npm/node-releases/package.json', {
  name: 'node-releases',
  version: '2.0.0-test',
  license: 'MIT',
  repository: 'git+https://example.org/node-releases.git',
});
write('npm/node-releases/data/release-schedule/release-schedule.json', {
  v20: { start: '2023-04-18', lts: '2023-10-24', maintenance: '2024-10-22', end: '2026-04-30', codename: 'Iron' },
  v22: { start: '2024-04-24', lts: '2024-10-29', maintenance: '2025-10-21', end: '2027-04-30', codename: 'Jod' },
  v30: { start: '2028-04-01', end: '2031-04-30' },
});
write(
  'npm/node-releases/data/processed/envs.json',
  [
    ['20.14.0', '2024-05-28'],
    ['20.15.0', '2024-06-20'],
    ['22.3.0', '2024-06-11'],
    ['22.4.0', '2024-07-02'],
    ['30.0.0-alpha.0.0.0', '2028-01-01'],
  ].map(([version, date]) => ({ name: 'nodejs', version, date, lts: false, security: false, v8: '12.4' })),
);
write('npm/is-my-node-vulnerable/package.json', { name: 'is-my-node-vulnerable', version: '1.0.0-test', license: 'MIT' });
write('npm/is-my-node-vulnerable/core.json', {
  '1': {
    cve: ['CVE-2024-22018'],
    vulnerable: '20.x || 22.x',
    patched: '^20.15.1 || ^22.4.1',
    ref: 'https://example.org/july-2024-security-releases/',
    overview: 'fs.lstat escapes the permission model.\nMore text.',
    affectedEnvironments: ['all'],
    severity: 'low',
  },
  '2': {
    cve: ['CVE-2024-27980'],
    vulnerable: '20.x',
    patched: '^20.12.2',
    description: 'Command injection via args of spawn',
    affectedEnvironments: ['win32'],
    severity: 'high',
  },
  // The list names a CVE twice for two problems: each stays, the second under its own number.
  '3': { cve: ['CVE-2024-27980'], vulnerable: '20.x', patched: '^20.13.0', description: 'Another problem', affectedEnvironments: ['all'] },
});

const debsDir = join(dir, 'debs');
/** A real .deb, built by dpkg-deb from a tree of files, as `apt-get download` would bring it. */
function deb(name: string, version: string, files: Record<string, string>): string {
  const root = join(dir, 'deb-trees', name);
  for (const [path, content] of Object.entries(files)) write(join('deb-trees', name, path), content);
  write(
    join('deb-trees', name, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Tests <tests@example.org>\nDescription: miniature of ${name}\n`,
  );
  mkdirSync(debsDir, { recursive: true });
  const file = join(debsDir, `${name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, file], { stdio: 'ignore' });
  return file;
}
const copyright = (license: string) =>
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: the authors\nLicense: ${license}\n`;
const distroInfoDeb = deb('distro-info-data', '0.1~test', {
  'usr/share/distro-info/debian.csv':
    'version,codename,series,created,release,eol,eol-lts,eol-elts\n10,Buster,buster,2017-06-17,2019-07-06,2022-09-10,2024-06-30,2029-06-30\n12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-06-10,2028-06-30,2033-06-30\n14,Forky,forky,2025-08-09\n,Sid,sid,1993-08-16\n',
  'usr/share/distro-info/ubuntu.csv':
    'version,codename,series,created,release,eol,eol-server,eol-esm\n22.04 LTS,Jammy Jellyfish,jammy,2021-10-14,2022-04-21,2027-06-01,2027-06-01,2032-04-21\n23.10,Mantic Minotaur,mantic,2023-04-20,2023-10-12,2024-07-11\n',
  'usr/share/doc/distro-info-data/copyright': copyright('ISC'),
});
const osinfoDeb = deb('osinfo-db', '0.2~test', {
  'usr/share/osinfo/os/alpinelinux.org/alpinelinux-3.17.xml':
    '<libosinfo version="0.0.1">\n  <os id="http://alpinelinux.org/alpinelinux/3.17">\n    <version>3.17</version>\n    <release-date>2022-11-22</release-date>\n    <eol-date>2024-11-22</eol-date>\n  </os>\n</libosinfo>\n',
  'usr/share/osinfo/os/alpinelinux.org/alpinelinux-edge.xml': '<libosinfo><os><version>edge</version></os></libosinfo>\n',
  'usr/share/doc/osinfo-db/copyright': copyright('GPL-2+'),
});
// A package the snapshot does not read, lying in the same folder as apt's cache would have it: left alone.
deb('hello-test', '1.0', { 'usr/share/doc/hello-test/README': 'hello\n' });
const packages = { nodeReleases: join(dir, 'npm/node-releases'), nodeVulnerabilities: join(dir, 'npm/is-my-node-vulnerable'), debs: debsDir };

const seen = [{ source: 'command' as const, at: 'node -v' }];
const node = (version: string): Observed => ({ name: 'node', ecosystem: 'runtime:node', version, seen });
const vulnerabilitiesOf = (knowledge: Knowledge, version: string) =>
  assess([node(version)], knowledge, loadRepository(), new Date('2026-01-01T00:00:00Z'))[0]!.vulnerabilities.map((v) => [v.id, v.severity, v.fixedIn]);

// A miniature of each of a user's own checkouts, laid out as the real repositories are.
write(
  'from/endoflife.date/products/php.md',
  `---
title: PHP
category: lang
permalink: /php
releases:
  - releaseCycle: "8.3"
    releaseDate: 2023-11-23
    eol: 2027-12-31
    latest: "8.3.14"
    latestReleaseDate: 2024-11-21

  - releaseCycle: "7.4"
    releaseDate: 2019-11-28
    eol: 2022-11-28
    latest: "7.4.33"
    latestReleaseDate: 2022-11-03
---

> [PHP](https://www.php.net/) is a general-purpose scripting language.
`,
);
const ghsa = (id: string, modified: string, ecosystem: string, name: string, fixed: string, withdrawn?: string) => ({
  schema_version: '1.4.0',
  id,
  modified,
  ...(withdrawn ? { withdrawn } : {}),
  aliases: [],
  summary: `Problem in ${name}`,
  affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  references: [{ type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${id}` }],
  database_specific: { severity: 'HIGH', github_reviewed: true },
});
write(
  'from/advisory-database/advisories/github-reviewed/2023/01/GHSA-aaaa-bbbb-cccc/GHSA-aaaa-bbbb-cccc.json',
  ghsa('GHSA-aaaa-bbbb-cccc', '2023-01-05T00:00:00Z', 'Packagist', 'wpackagist-plugin/contact-form-7', '5.3.2'),
);
write(
  'from/advisory-database/advisories/github-reviewed/2023/02/GHSA-dddd-eeee-ffff/GHSA-dddd-eeee-ffff.json',
  ghsa('GHSA-dddd-eeee-ffff', '2023-02-05T00:00:00Z', 'Maven', 'org.example:thing', '1.0'),
);
write(
  'from/advisory-database/advisories/github-reviewed/2023/03/GHSA-gggg-hhhh-iiii/GHSA-gggg-hhhh-iiii.json',
  ghsa('GHSA-gggg-hhhh-iiii', '2023-03-05T00:00:00Z', 'npm', 'lodash', '4.17.21', '2023-04-01T00:00:00Z'),
);

describe('the offline snapshot', () => {
  it('is built from registry packages: Node.js from npm packages, Debian, Ubuntu and Alpine releases from .deb files', () => {
    const { knowledge, counts } = buildSnapshot(packages, new Date('2024-12-01T00:00:00Z'));
    // Lines not released yet are left out; a line's newest release is its newest minor one that node-releases lists.
    expect(knowledge.eol.nodejs?.map((c) => [c.cycle, c.eol, c.latest, c.lts])).toEqual([
      ['22', '2027-04-30', '22.4.0', '2024-10-29'],
      ['20', '2026-04-30', '20.15.0', '2023-10-24'],
    ]);
    expect(knowledge.eol.debian?.map((c) => [c.cycle, c.releaseDate, c.eol])).toEqual([
      ['12', '2023-06-10', '2026-06-10'],
      ['10', '2019-07-06', '2022-09-10'],
    ]);
    expect(knowledge.eol.ubuntu?.map((c) => [c.cycle, c.eol, c.lts])).toEqual([
      ['23.10', '2024-07-11', false],
      ['22.04', '2027-06-01', true],
    ]);
    expect(knowledge.eol['alpine-linux']).toEqual([{ cycle: '3.17', releaseDate: '2022-11-22', eol: '2024-11-22' }]);
    expect(knowledge.sources).toEqual([
      { name: 'node-releases@2.0.0-test', license: 'MIT', url: 'https://example.org/node-releases', asOf: '2024-07-02' },
      { name: 'is-my-node-vulnerable@1.0.0-test', license: 'MIT', url: 'npm:is-my-node-vulnerable' },
      { name: 'distro-info-data=0.1~test', license: 'ISC', url: 'deb:distro-info-data=0.1~test', asOf: '2023-10-12' },
      { name: 'osinfo-db=0.2~test', license: 'GPL-2+', url: 'deb:osinfo-db=0.2~test', asOf: '2022-11-22' },
    ]);
    expect(counts['Node.js core vulnerabilities']).toBe(3);

    // Node.js's own vulnerabilities, with the version of its line that fixes each.
    expect(vulnerabilitiesOf(knowledge, '20.15.0')).toEqual([['CVE-2024-22018', 'low', ['20.15.1']]]);
    expect(vulnerabilitiesOf(knowledge, '20.12.1')).toEqual([
      ['CVE-2024-22018', 'low', ['20.15.1']],
      ['CVE-2024-27980', 'high', ['20.12.2']],
      ['nodejs-security-wg-core-3', 'unknown', ['20.13.0']],
    ]);
    expect(vulnerabilitiesOf(knowledge, '22.4.1')).toEqual([]);
    const advisories = knowledge.advisories['runtime:node']?.node ?? [];
    expect(advisories.find((a) => a.id === 'CVE-2024-27980')?.summary).toBe('Command injection via args of spawn (win32 only)');
    expect(advisories.find((a) => a.id === 'CVE-2024-22018')).toMatchObject({
      summary: 'fs.lstat escapes the permission model.',
      url: 'https://example.org/july-2024-security-releases/',
    });
    expect(advisories.find((a) => a.id === 'nodejs-security-wg-core-3')?.aliases).toEqual(['CVE-2024-27980']);
  });

  it("lays a user's own checkouts (--from) over the packages, keeping only the ecosystems and fields Upkeep uses", () => {
    const { knowledge, counts } = buildSnapshot({ ...packages, from: join(dir, 'from') }, new Date('2024-12-01T00:00:00Z'));
    expect(knowledge.eol.php?.map((c) => [c.cycle, c.eol, c.latest])).toEqual([
      ['8.3', '2027-12-31', '8.3.14'],
      ['7.4', '2022-11-28', '7.4.33'],
    ]);
    expect(knowledge.eol.nodejs?.map((c) => c.cycle)).toEqual(['22', '20']);
    // WPackagist's Composer name is WordPress.org's plugin; Maven and withdrawn advisories are dropped.
    expect(Object.keys(knowledge.advisories['wordpress-plugin'] ?? {})).toEqual(['contact-form-7']);
    expect(Object.keys(knowledge.advisories.npm ?? {})).toEqual([]);
    expect(counts['GitHub Advisory Database']).toBe(1);
    expect(knowledge.sources.find((s) => s.name === 'endoflife.date')?.asOf).toBe('2024-11-21');
    expect(knowledge.sources.map((s) => s.name)).toContain('distro-info-data=0.1~test');
  });

  it('says how old its data is, and a newer refreshed copy in the data directory wins', () => {
    const shipped = join(dir, 'shipped.json.gz');
    const older = buildSnapshot({ ...packages, from: join(dir, 'from') }, new Date('2024-12-01T00:00:00Z')).knowledge;
    writeKnowledgeFile(shipped, older);
    const loaded = loadKnowledge(undefined, new Date('2024-12-31T12:00:00Z'), shipped);
    expect([loaded.builtAt, loaded.ageDays]).toEqual(['2024-12-01T00:00:00.000Z', 30]);

    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const refreshed = structuredClone(older);
    refreshed.builtAt = '2024-12-20T00:00:00.000Z';
    refreshed.eol.php = [{ cycle: '8.4', eol: '2028-12-31', latest: '8.4.2' }];
    refreshed.advisories['wordpress-plugin']!['contact-form-7']![0]!.summary = 'updated text';
    refreshed.advisories['wordpress-plugin']!['contact-form-7']![0]!.modified = '2024-12-19T00:00:00Z';
    writeKnowledgeFile(join(dataDir, REFRESHED_FILE), refreshed);
    const both = loadKnowledge(dataDir, new Date('2024-12-31T12:00:00Z'), shipped);
    expect([both.builtAt, both.ageDays, both.files.length]).toEqual(['2024-12-20T00:00:00.000Z', 11, 2]);
    expect(both.knowledge.eol.php?.[0]?.latest).toBe('8.4.2');
    expect(both.knowledge.advisories['wordpress-plugin']?.['contact-form-7']?.[0]?.summary).toBe('updated text');
  });

  it('`npm run updates:snapshot -- --debs <dir>` takes the installed npm packages and the .deb files, and says what is missing', () => {
    const run = (...args: string[]) => spawnSync('npm', ['run', '--silent', 'updates:snapshot', '--', ...args], { cwd: projectRoot, encoding: 'utf8' });
    const out = join(dir, 'built.json.gz');
    const ok = run('--debs', debsDir, '--out', out);
    expect(ok.status, ok.stderr).toBe(0);
    const installed = (name: string) =>
      (JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    expect(ok.stdout).toContain(`source: node-releases@${installed('node-releases')} (MIT)`);
    expect(ok.stdout).toContain(`source: is-my-node-vulnerable@${installed('is-my-node-vulnerable')} (MIT)`);
    expect(ok.stdout).toContain('source: distro-info-data=0.1~test (ISC)');
    expect(ok.stdout).toMatch(/wrote .*built\.json\.gz \([\d.]+ KiB/);
    expect(statSync(out).size).toBeGreaterThan(100);

    const usage = run('--out', out);
    expect([usage.status, usage.stderr]).toEqual([2, expect.stringMatching(/^updates:snapshot: usage: npm run updates:snapshot -- --debs <dir>/)]);
    const partial = join(dir, 'partial-debs');
    mkdirSync(partial, { recursive: true });
    copyFileSync(distroInfoDeb, join(partial, 'distro-info-data.deb'));
    const missing = run('--debs', partial, '--out', out);
    expect([missing.status, missing.stderr.trim()]).toEqual([2, `updates:snapshot: ${partial} has no .deb of osinfo-db: apt-get download osinfo-db`]);
    copyFileSync(osinfoDeb, join(partial, 'osinfo-db.deb'));
    copyFileSync(osinfoDeb, join(partial, 'osinfo-db-again.deb'));
    expect(run('--debs', partial, '--out', out).stderr).toMatch(/has two osinfo-db packages/);
    const nothing = run('--debs', debsDir, '--from', join(dir, 'nothing-here'), '--out', out);
    expect([nothing.status, nothing.stderr]).toEqual([2, expect.stringMatching(/nothing-here has none of endoflife\.date\/products, advisory-database/)]);
    // Runs of npm and tsx: slow on a loaded machine.
  }, 180_000);

  it('the shipped snapshot is built from the pinned registry packages only, and is dated', () => {
    const shipped = loadKnowledge(undefined, new Date());
    expect(shipped.files).toEqual([SHIPPED_SNAPSHOT]);
    expect(Date.parse(shipped.builtAt)).not.toBeNaN();
    const devDependencies = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
      .devDependencies;
    // Rebuilt whenever a pinned package moves: the snapshot names the very versions package.json pins.
    expect(shipped.knowledge.sources.map((s) => s.name)).toEqual([
      `node-releases@${devDependencies['node-releases']}`,
      `is-my-node-vulnerable@${devDependencies['is-my-node-vulnerable']}`,
      expect.stringMatching(/^distro-info-data=/),
      expect.stringMatching(/^osinfo-db=/),
    ]);
    expect(Object.keys(shipped.knowledge.eol).sort()).toEqual(['alpine-linux', 'debian', 'nodejs', 'ubuntu']);
    expect(shipped.knowledge.eol.debian?.find((c) => c.cycle === '10')?.eol).toBe('2022-09-10');
    expect(vulnerabilitiesOf(shipped.knowledge, '20.15.0').map(([id]) => id)).toContain('CVE-2024-22018');
  });
});
