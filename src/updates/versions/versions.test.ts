import { describe, expect, it } from 'vitest';
import { versionSchemes, type SchemeName } from './index.js';
import { fixesFor, isAffected, type AffectedRange } from './ranges.js';

const sorted = (scheme: SchemeName, versions: string[]) => [...versions].sort((a, b) => versionSchemes[scheme].compare(a, b));

describe('version schemes', () => {
  it('semver orders pre-releases before releases and numbers numerically (npm)', () => {
    expect(sorted('semver', ['1.10.0', '1.2.0', '1.2.0-rc.1', '1.2.0-beta.2', '1.2.0-beta.10', '0.9.9'])).toEqual([
      '0.9.9',
      '1.2.0-beta.2',
      '1.2.0-beta.10',
      '1.2.0-rc.1',
      '1.2.0',
      '1.10.0',
    ]);
  });

  it("PHP's version_compare: dev < alpha < beta < RC < release < pl, and what is left decides", () => {
    expect(sorted('php', ['1.0', '1.0.0', '1.0pl1', '1.0RC1', '1.0b1', '1.0a2', '1.0-dev', '1.0.1'])).toEqual([
      '1.0-dev',
      '1.0a2',
      '1.0b1',
      '1.0RC1',
      '1.0',
      '1.0.0',
      '1.0.1',
      '1.0pl1',
    ]);
    expect(versionSchemes.php.compare('5.10', '5.9.3')).toBeGreaterThan(0);
  });

  it('Composer normalizes first: "v1.0" = "1.0.0", patch releases after the release', () => {
    expect(versionSchemes.composer.compare('v1.0', '1.0.0')).toBe(0);
    expect(versionSchemes.composer.compare('2.4.0-patch1', '2.4.0')).toBeGreaterThan(0);
    expect(versionSchemes.composer.compare('1.1.4', '1.0.8')).toBeGreaterThan(0);
  });

  it('WordPress names x.y.0 "x.y"', () => {
    expect(versionSchemes.wordpress.compare('6.4', '6.4.0')).toBe(0);
    expect(sorted('wordpress', ['6.4.2', '6.4', '6.5-RC1', '6.5', '6.10'])).toEqual(['6.4', '6.4.2', '6.5-RC1', '6.5', '6.10']);
  });

  it('Debian: epoch first, "~" before everything, letters before other characters', () => {
    expect(sorted('debian', ['1.0-1', '1:0.9-1', '1.0~rc1-1', '1.0-1+deb10u1', '1.0-1~bpo10+1', '1.0a-1', '1.0+dfsg-1'])).toEqual([
      '1.0~rc1-1',
      '1.0-1~bpo10+1',
      '1.0-1',
      '1.0-1+deb10u1',
      '1.0a-1',
      '1.0+dfsg-1',
      '1:0.9-1',
    ]);
    expect(versionSchemes.debian.compare('1.1.1n-0+deb10u5', '1.1.1n-0+deb10u6')).toBeLessThan(0);
    expect(versionSchemes.debian.compare('2.28-10+deb10u2', '2.28-10')).toBeGreaterThan(0);
  });

  it('Alpine: letter, then pre- and post-release suffixes, then the package revision', () => {
    expect(sorted('apk', ['1.2.3-r1', '1.2.3_rc1-r0', '1.2.3_p1-r0', '1.2.3a-r0', '1.2.3-r0', '1.2.3_alpha-r0', '1.2.10-r0'])).toEqual([
      '1.2.3_alpha-r0',
      '1.2.3_rc1-r0',
      '1.2.3-r0',
      '1.2.3-r1',
      '1.2.3_p1-r0',
      '1.2.3a-r0',
      '1.2.10-r0',
    ]);
  });

  it('PEP 440: dev < pre < release < post, epochs and local versions', () => {
    expect(sorted('pep440', ['1.0.post1', '1.0', '1.0rc1', '1.0.dev0', '1.0a1', '1!0.1', '1.0+local.1'])).toEqual([
      '1.0.dev0',
      '1.0a1',
      '1.0rc1',
      '1.0',
      '1.0+local.1',
      '1.0.post1',
      '1!0.1',
    ]);
  });
});

describe('OSV affected ranges', () => {
  const semver = versionSchemes.semver;
  const minimist: AffectedRange[] = [
    { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.2.1' }] },
    { type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { fixed: '1.2.3' }] },
  ];

  it('introduced/fixed pairs, in any order they are written', () => {
    expect(isAffected('0.0.8', { ranges: minimist }, semver)).toBe(true);
    expect(isAffected('0.2.1', { ranges: minimist }, semver)).toBe(false);
    expect(isAffected('0.9.0', { ranges: minimist }, semver)).toBe(false);
    expect(isAffected('1.2.2', { ranges: minimist }, semver)).toBe(true);
    const reversed: AffectedRange = { type: 'ECOSYSTEM', events: [{ fixed: '2.0.0' }, { introduced: '1.5.0' }] };
    expect(isAffected('1.6.0', { ranges: [reversed] }, semver)).toBe(true);
  });

  it('last_affected is inclusive, and several introduced/fixed pairs in one range', () => {
    const range: AffectedRange = { type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { last_affected: '1.4' }] };
    expect(isAffected('1.4', { ranges: [range] }, versionSchemes.php)).toBe(true);
    expect(isAffected('1.4.1', { ranges: [range] }, versionSchemes.php)).toBe(false);
    const two: AffectedRange = { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.1.0' }, { introduced: '2.0.0' }, { fixed: '2.0.3' }] };
    expect(['0.9.0', '1.0.5', '1.5.0', '2.0.2', '2.0.3'].map((v) => isAffected(v, { ranges: [two] }, semver))).toEqual([false, true, false, true, false]);
  });

  it('SEMVER ranges use semver even in another ecosystem; explicit versions lists count', () => {
    const range: AffectedRange = { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.10.0' }] };
    expect(isAffected('1.9.0', { ranges: [range] }, versionSchemes.debian)).toBe(true);
    expect(isAffected('2.28-10+deb10u2', { versions: ['2.28-10+deb10u2'] }, versionSchemes.debian)).toBe(true);
  });

  it('Debian ranges compare the Debian way ("~" backports before the release)', () => {
    const range: AffectedRange = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1n-0+deb10u6' }] };
    expect(isAffected('1.1.1n-0+deb10u5', { ranges: [range] }, versionSchemes.debian)).toBe(true);
    expect(isAffected('1.1.1n-0+deb10u6~bpo', { ranges: [range] }, versionSchemes.debian)).toBe(true);
    expect(isAffected('1.1.1n-0+deb10u6', { ranges: [range] }, versionSchemes.debian)).toBe(false);
  });

  it('intervals with their own inclusiveness, and the fixes to upgrade to', () => {
    const wordfence: AffectedRange = { type: 'INTERVAL', from: '*', fromInclusive: true, to: '5.8.3', toInclusive: true };
    expect(isAffected('5.8.3', { ranges: [wordfence] }, versionSchemes.php)).toBe(true);
    expect(isAffected('5.8.4', { ranges: [wordfence] }, versionSchemes.php)).toBe(false);
    expect(fixesFor('0.0.8', minimist, semver)).toEqual(['0.2.1']);
    expect(fixesFor('1.2.0', minimist, semver)).toEqual(['1.2.3']);
  });
});
