import { readFileSync } from 'node:fs';
import semver from 'semver';
import { expect, it } from 'vitest';

/**
 * Upkeep runs on Node 20 (package.json `engines`): every package the lock file installs, dev tools
 * included, must accept the oldest Node 20 Upkeep supports, or `npm ci` warns EBADENGINE and the
 * package may use what Node 20 lacks. A dependency upgrade that breaks this fails here.
 */
it('installs only packages whose engines accept the Node 20 Upkeep supports', () => {
  const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  const oldest = semver.minVersion((read('package.json').engines as { node: string }).node)!.version;
  expect(oldest.startsWith('20.')).toBe(true);
  const packages = read('package-lock.json').packages as Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  const refusing = Object.entries(packages)
    .filter(([, p]) => !Array.isArray(p.engines) && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
    .map(([path, p]) => `${path}@${p.version} wants node ${(p.engines as { node: string }).node}`);
  expect(refusing).toEqual([]);
});
