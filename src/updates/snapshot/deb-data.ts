import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../lib/errors.js';
import type { Cycle } from './format.js';
import type { PackageNote } from './npm-data.js';

/**
 * Data the snapshot takes from Debian packages (`apt-get download <name>`, unpacked with
 * `dpkg-deb`): `distro-info-data` (Debian's and Ubuntu's releases with their end-of-support dates;
 * ISC) and `osinfo-db` (libosinfo's operating system database, of which Alpine Linux's releases and
 * end-of-life dates are read; GPL-2.0-or-later).
 */

type DebReader = (root: string) => Record<string, Cycle[]>;

/** distro-info's CSV: a header row, then one release a row; empty fields are dates not known yet. */
function distroCsv(file: string, columns: readonly string[]): Record<string, string>[] {
  if (!existsSync(file)) throw new AppError('invalid_input', `${file} is missing from distro-info-data`);
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const names = (header ?? '').split(',');
  const missing = columns.filter((c) => !names.includes(c));
  if (missing.length) throw new AppError('invalid_input', `${file} has no ${missing.join(', ')} column: not distro-info's CSV`);
  return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [names[i] ?? String(i), v])));
}

const byReleaseDesc = (cycles: Cycle[]) => cycles.sort((a, b) => (b.releaseDate ?? '').localeCompare(a.releaseDate ?? ''));

/**
 * A release's `eol` is the end of its regular security support (Debian's security team, Ubuntu's
 * standard support), as endoflife.date counts it; Debian LTS and Ubuntu ESM come after.
 */
const distroInfo: DebReader = (root) => {
  const dir = join(root, 'usr', 'share', 'distro-info');
  const released = (rows: Record<string, string>[], cycleOf: (version: string) => { cycle: string; lts?: boolean }) =>
    byReleaseDesc(rows.filter((r) => r.version && r.release).map((r) => ({ ...cycleOf(r.version!), releaseDate: r.release!, eol: r.eol || false })));
  return {
    debian: released(distroCsv(join(dir, 'debian.csv'), ['version', 'release', 'eol']), (v) => ({ cycle: v })),
    ubuntu: released(distroCsv(join(dir, 'ubuntu.csv'), ['version', 'release', 'eol']), (v) => ({
      cycle: v.replace(/\s*LTS$/, ''),
      lts: v.endsWith('LTS'),
    })),
  };
};

const element = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1]?.trim();

/** libosinfo describes each release in its own XML file with `<version>`, `<release-date>` and `<eol-date>`. */
const osinfoAlpine: DebReader = (root) => {
  const dir = join(root, 'usr', 'share', 'osinfo', 'os', 'alpinelinux.org');
  if (!existsSync(dir)) throw new AppError('invalid_input', `${dir} is missing from osinfo-db`);
  const cycles = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .flatMap((f): Cycle[] => {
      const xml = readFileSync(join(dir, f), 'utf8');
      const version = element(xml, 'version');
      const releaseDate = element(xml, 'release-date');
      return version && /^\d+\.\d+$/.test(version) ? [{ cycle: version, eol: element(xml, 'eol-date') ?? false, ...(releaseDate ? { releaseDate } : {}) }] : [];
    });
  return { 'alpine-linux': byReleaseDesc(cycles) };
};

/** The Debian packages the snapshot is built from, by package name. */
export const debReaders: Record<string, DebReader> = { 'distro-info-data': distroInfo, 'osinfo-db': osinfoAlpine };

function dpkgDeb(args: string[]): string {
  try {
    return execFileSync('dpkg-deb', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new AppError('invalid_input', 'dpkg-deb is not installed: the Debian packages cannot be unpacked');
    throw new AppError('invalid_input', `dpkg-deb ${args.join(' ')}: ${(e.stderr ?? '').trim() || 'failed'}`);
  }
}

/** The licence Debian's machine-readable copyright file gives for the package's own files. */
function licenseOf(root: string, name: string): string {
  const file = join(root, 'usr', 'share', 'doc', name, 'copyright');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return /^License:\s*(\S.*)$/m.exec(text)?.[1]?.trim() ?? 'see the package';
}

export interface DebData {
  eol: Record<string, Cycle[]>;
  notes: (PackageNote & { asOf?: string })[];
}

/**
 * Reads the .deb files in `dir` whose packages the snapshot uses; others are left alone. Each one
 * the snapshot needs must be there exactly once, so a build says which version it came from.
 */
export function readDebs(dir: string): DebData {
  if (!existsSync(dir)) throw new AppError('invalid_input', `${dir} does not exist: --debs needs a folder with the .deb files`);
  const found = new Map<string, { file: string; version: string }>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.deb'))) {
    const file = join(dir, f);
    const fields = Object.fromEntries(
      dpkgDeb(['-f', file, 'Package', 'Version'])
        .trim()
        .split('\n')
        .map((line) => line.split(/:\s*/, 2) as [string, string]),
    );
    const name = fields.Package ?? '';
    if (!(name in debReaders)) continue;
    const before = found.get(name);
    if (before) throw new AppError('invalid_input', `${dir} has two ${name} packages (${before.file}, ${file}): keep one`);
    found.set(name, { file, version: fields.Version ?? '?' });
  }
  const absent = Object.keys(debReaders).filter((n) => !found.has(n));
  if (absent.length) throw new AppError('invalid_input', `${dir} has no .deb of ${absent.join(', ')}: apt-get download ${absent.join(' ')}`);

  const data: DebData = { eol: {}, notes: [] };
  for (const [name, { file, version }] of found) {
    const root = mkdtempSync(join(tmpdir(), 'upkeep-deb-'));
    try {
      dpkgDeb(['-x', file, root]);
      const eol = debReaders[name]!(root);
      Object.assign(data.eol, eol);
      const asOf = Object.values(eol)
        .flatMap((cycles) => cycles.map((c) => c.releaseDate ?? ''))
        .sort()
        .at(-1);
      data.notes.push({ name, version, license: licenseOf(root, name), url: `deb:${name}=${version}`, ...(asOf ? { asOf } : {}) });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return data;
}
