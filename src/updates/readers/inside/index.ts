import { mergeObserved, type Observed } from '../../component.js';
import { readComposerLock, readPackageLock, readPnpmLock, readYarnLock } from './lockfiles.js';
import { basename } from './parse.js';
import { readApkInstalled, readDpkgStatus, readOsRelease, withRelease } from './system.js';
import type { FileInput, InsideReader } from './types.js';
import { readCoreVersion, readPluginHeader, readPluginReadme, readThemeStyle } from './wordpress.js';

export type { FileInput, InsideReader } from './types.js';
export { commandProbes, type CommandKind, type CommandProbe } from './commands.js';

export type InsideKind =
  | 'wordpress-core'
  | 'wordpress-plugin'
  | 'wordpress-plugin-readme'
  | 'wordpress-theme'
  | 'composer-lock'
  | 'package-lock'
  | 'yarn-lock'
  | 'pnpm-lock'
  | 'dpkg-status'
  | 'apk-installed'
  | 'os-release';

const named = (name: string) => (path: string) => basename(path) === name;
const HEAD = 8 * 1024;
const SMALL = 64 * 1024;
const WHOLE = 64 * 1024 * 1024;

/** Every reader of files inside a site, by kind: a kind without a reader does not compile. */
export const insideReaders = {
  'wordpress-core': { paths: ['wp-includes/version.php'], maxBytes: SMALL, accepts: (p) => p.endsWith('wp-includes/version.php'), read: readCoreVersion },
  'wordpress-plugin': {
    paths: ['wp-content/plugins/*/*.php', 'wp-content/plugins/*.php'],
    maxBytes: HEAD,
    accepts: (p) => /(?:^|\/)wp-content\/plugins\/(?:[^/]+\/)?[^/]+\.php$/i.test(p),
    read: readPluginHeader,
  },
  'wordpress-plugin-readme': {
    paths: ['wp-content/plugins/*/readme.txt'],
    maxBytes: HEAD,
    accepts: (p) => /(?:^|\/)wp-content\/plugins\/[^/]+\/readme\.txt$/i.test(p),
    read: readPluginReadme,
  },
  'wordpress-theme': {
    paths: ['wp-content/themes/*/style.css'],
    maxBytes: HEAD,
    accepts: (p) => /(?:^|\/)wp-content\/themes\/[^/]+\/style\.css$/i.test(p),
    read: readThemeStyle,
  },
  'composer-lock': { paths: ['composer.lock'], maxBytes: WHOLE, accepts: named('composer.lock'), read: readComposerLock },
  'package-lock': { paths: ['package-lock.json'], maxBytes: WHOLE, accepts: named('package-lock.json'), read: readPackageLock },
  'yarn-lock': { paths: ['yarn.lock'], maxBytes: WHOLE, accepts: named('yarn.lock'), read: readYarnLock },
  'pnpm-lock': { paths: ['pnpm-lock.yaml'], maxBytes: WHOLE, accepts: named('pnpm-lock.yaml'), read: readPnpmLock },
  'dpkg-status': { paths: ['/var/lib/dpkg/status'], maxBytes: WHOLE, accepts: (p) => p.endsWith('dpkg/status'), read: readDpkgStatus },
  'apk-installed': { paths: ['/lib/apk/db/installed'], maxBytes: WHOLE, accepts: (p) => p.endsWith('apk/db/installed'), read: readApkInstalled },
  'os-release': { paths: ['/etc/os-release'], maxBytes: SMALL, accepts: (p) => p.endsWith('os-release'), read: readOsRelease },
} satisfies Record<InsideKind, InsideReader>;

/**
 * Components from files read inside a site: each file goes to the readers that accept its path,
 * sightings merge, and OS packages get the release of the OS they came with.
 *
 * @example readInside([{ path: 'composer.lock', content }, { path: '/etc/os-release', content: osRelease }])
 */
export function readInside(files: readonly FileInput[]): Observed[] {
  const found = files.flatMap((file) => Object.values(insideReaders).flatMap((r: InsideReader) => (r.accepts(file.path) ? r.read(file) : [])));
  return mergeObserved(withRelease(found));
}
