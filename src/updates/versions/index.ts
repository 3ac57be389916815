import { compare as pep440Compare, valid as pep440Valid } from '@renovatebot/pep440';
import semver from 'semver';
import { compareVersions as releaseCompare } from '../../audits/security/retire.js';
import type { Ecosystem } from '../component.js';
import { apkVersionCompare, isApkVersion } from './apk.js';
import { debianVersionCompare, isDebianVersion } from './debian.js';
import { isPhpVersion, padNumbers, phpVersionCompare } from './php.js';

/** How one family of versions is ordered. `compare` returns <0, 0 or >0, like a sort comparator. */
export interface VersionScheme {
  compare(a: string, b: string): number;
  valid(v: string): boolean;
}

export type SchemeName = 'semver' | 'composer' | 'php' | 'wordpress' | 'debian' | 'apk' | 'pep440' | 'release';

const looseSemver = (v: string) => semver.valid(v, { loose: true }) ?? semver.coerce(v, { includePrerelease: true })?.version;

/** Composer normalizes before it compares: no "v", four numbers, "-patch"/"-pl" as post-releases. */
const composerNormal = (v: string) =>
  padNumbers(
    v
      .trim()
      .replace(/^v(?=\d)/i, '')
      .replace(/[-.]?patch/i, 'pl'),
    4,
  );

export const versionSchemes = {
  semver: {
    compare: (a, b) => {
      const x = looseSemver(a);
      const y = looseSemver(b);
      return x && y ? semver.compare(x, y) : releaseCompare(a, b);
    },
    valid: (v) => semver.valid(v, { loose: true }) !== null,
  },
  composer: { compare: (a, b) => phpVersionCompare(composerNormal(a), composerNormal(b)), valid: (v) => isPhpVersion(v) },
  php: { compare: phpVersionCompare, valid: isPhpVersion },
  // WordPress.org names x.y.0 releases "x.y"; the padding makes the two spellings one version.
  wordpress: { compare: (a, b) => phpVersionCompare(padNumbers(a, 3), padNumbers(b, 3)), valid: isPhpVersion },
  debian: { compare: debianVersionCompare, valid: isDebianVersion },
  apk: { compare: apkVersionCompare, valid: isApkVersion },
  pep440: { compare: (a, b) => pep440Compare(a, b), valid: (v) => pep440Valid(v) !== null },
  // Servers, runtimes' own release numbers and JavaScript libraries: numbers first, a word before a number.
  release: { compare: releaseCompare, valid: (v) => /^\d/.test(v) },
} satisfies Record<SchemeName, VersionScheme>;

export const schemeOf: Record<Ecosystem, SchemeName> = {
  'wordpress-core': 'wordpress',
  'wordpress-plugin': 'php',
  'wordpress-theme': 'php',
  npm: 'semver',
  packagist: 'composer',
  pypi: 'pep440',
  debian: 'debian',
  alpine: 'apk',
  'os:debian': 'release',
  'os:ubuntu': 'release',
  'os:alpine': 'release',
  'runtime:php': 'php',
  'runtime:node': 'semver',
  'runtime:python': 'pep440',
  'server:nginx': 'release',
  'server:apache': 'release',
  'server:mariadb': 'release',
  'server:mysql': 'release',
  'server:postgresql': 'release',
  'cms:drupal': 'composer',
  'cms:joomla': 'php',
  'js-library': 'release',
};

export const schemeFor = (ecosystem: Ecosystem): VersionScheme => versionSchemes[schemeOf[ecosystem]];
