import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../src/updates/snapshot/build.js';
import { loadKnowledge, REFRESHED_FILE, SHIPPED_SNAPSHOT, writeKnowledgeFile } from '../../src/updates/snapshot/load.js';
import { projectRoot } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'upkeep-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: unknown) {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
}

// A miniature of each checkout, laid out as the real repositories are.
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
  it('is built from local checkouts, keeping only the ecosystems and fields Upkeep uses', () => {
    const { knowledge, counts } = buildSnapshot(join(dir, 'from'), new Date('2024-12-01T00:00:00Z'));
    expect(knowledge.eol.php?.map((c) => [c.cycle, c.eol, c.latest])).toEqual([
      ['8.3', '2027-12-31', '8.3.14'],
      ['7.4', '2022-11-28', '7.4.33'],
    ]);
    // WPackagist's Composer name is WordPress.org's plugin; Maven and withdrawn advisories are dropped.
    expect(Object.keys(knowledge.advisories['wordpress-plugin'] ?? {})).toEqual(['contact-form-7']);
    expect(Object.keys(knowledge.advisories.npm ?? {})).toEqual([]);
    expect(counts['GitHub Advisory Database']).toBe(1);
    expect(knowledge.sources.find((s) => s.name === 'endoflife.date')?.asOf).toBe('2024-11-21');
  });

  it('says how old its data is, and a newer refreshed copy in the data directory wins', () => {
    const shipped = join(dir, 'shipped.json.gz');
    const older = buildSnapshot(join(dir, 'from'), new Date('2024-12-01T00:00:00Z')).knowledge;
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

  it('`npm run updates:snapshot -- --from <dir>` writes a gzipped snapshot, and says what is missing', async () => {
    const out = join(dir, 'built.json.gz');
    const ok = spawnSync('npm', ['run', '--silent', 'updates:snapshot', '--', '--from', join(dir, 'from'), '--out', out], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/wrote .*built\.json\.gz \([\d.]+ KiB/);
    expect(statSync(out).size).toBeGreaterThan(100);
    const bad = spawnSync('npm', ['run', '--silent', 'updates:snapshot', '--', '--from', join(dir, 'nothing-here')], { cwd: projectRoot, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/endoflife\.date\/products is missing/);
    // Two runs of npm and tsx: slow on a loaded machine.
  }, 120_000);

  it('the shipped snapshot loads and is dated', () => {
    const shipped = loadKnowledge(undefined, new Date());
    expect(shipped.files).toEqual([SHIPPED_SNAPSHOT]);
    expect(Date.parse(shipped.builtAt)).not.toBeNaN();
    expect(Object.keys(shipped.knowledge.eol)).toEqual(expect.arrayContaining(['wordpress', 'php', 'nodejs', 'debian', 'jquery']));
  });
});
