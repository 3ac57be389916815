import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { versionSchemes } from '../versions/index.js';
import { fixesFor, isAffected } from '../versions/ranges.js';
import { affectedIntervals, installedPackageDir } from './npm-data.js';

const affected = (v: string, vulnerable: string, patched?: string) => isAffected(v, { ranges: affectedIntervals(vulnerable, patched) }, versionSchemes.semver);

describe("the Node.js Security Working Group's npm ranges as intervals", () => {
  it('one interval per line, each ending at the version that fixes it', () => {
    const ranges = affectedIntervals('20.x || 22.x', '^20.15.1 || ^22.4.1');
    expect(ranges.map((r) => (r.type === 'INTERVAL' ? [r.from, r.to] : []))).toEqual([
      ['20.0.0', '20.15.1'],
      ['22.0.0', '22.4.1'],
    ]);
    expect([affected('20.15.0', '20.x || 22.x', '^20.15.1 || ^22.4.1'), affected('20.15.1', '20.x || 22.x', '^20.15.1 || ^22.4.1')]).toEqual([true, false]);
    expect(fixesFor('22.1.0', ranges, versionSchemes.semver)).toEqual(['22.4.1']);
  });

  it('a line with no fix joins the next one: 5.x is fixed by upgrading to 6.11.1', () => {
    const ranges = affectedIntervals('8.x || 7.x || 4.x || 6.x || 5.x', '^8.1.4 || ^7.10.1 || ^4.8.4 || ^6.11.1');
    expect(fixesFor('5.3.0', ranges, versionSchemes.semver)).toEqual(['6.11.1']);
    expect(fixesFor('4.2.0', ranges, versionSchemes.semver)).toEqual(['4.8.4']);
  });

  it('exact versions and open ends: "8.5.0" alone, "<= 10" with ">= 10.9.0"', () => {
    expect(['8.4.0', '8.5.0', '8.5.1'].map((v) => affected(v, '8.5.0', '^8.6.0'))).toEqual([false, true, false]);
    expect(['0.10.48', '10.8.0', '10.9.0', '11.0.0'].map((v) => affected(v, '<= 10', '>= 10.9.0'))).toEqual([true, true, false, false]);
  });

  it("agrees with npm's own range check on every entry of the installed list, at and around every version it names", () => {
    const core = JSON.parse(readFileSync(join(installedPackageDir('is-my-node-vulnerable'), 'core.json'), 'utf8')) as Record<
      string,
      { vulnerable: string; patched?: string }
    >;
    // Every bound the list names, and the versions on either side of it: where a conversion would go wrong.
    const named = Object.values(core).flatMap((e) => [e.vulnerable, e.patched ?? ''].flatMap((r) => r.match(/\d+(\.\d+){0,2}/g) ?? []));
    const versions = new Set<string>();
    for (const n of named) {
      const [major = 0, minor = 0, patch = 0] = n.split('.').map(Number);
      for (const [a, b, c] of [
        [major, minor, patch],
        [major, minor, patch + 1],
        [major, minor, Math.max(0, patch - 1)],
        [major, minor + 1, 0],
        [major, Math.max(0, minor - 1), 9],
        [major + 1, 0, 0],
        [Math.max(0, major - 1), 99, 0],
      ])
        versions.add(`${a}.${b}.${c}`);
    }
    let checked = 0;
    for (const [key, e] of Object.entries(core)) {
      const ranges = affectedIntervals(e.vulnerable, e.patched);
      const vulnerable = new semver.Range(e.vulnerable);
      const patched = e.patched ? new semver.Range(e.patched) : undefined;
      for (const v of versions) {
        const expected = vulnerable.test(v) && !patched?.test(v);
        if (isAffected(v, { ranges }, versionSchemes.semver) !== expected) throw new Error(`entry ${key}: ${v} should ${expected ? '' : 'not '}be affected`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100 * versions.size);
  });
});
