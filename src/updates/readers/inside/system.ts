import type { Ecosystem, Observed } from '../../component.js';
import type { FileInput } from './types.js';

/**
 * Operating-system packages: Debian/Ubuntu's /var/lib/dpkg/status, Alpine's /lib/apk/db/installed,
 * and /etc/os-release for the release they belong to (advisory databases key on it: "Debian:12").
 */

/** RFC 822-style paragraphs (dpkg) split into fields; continuation lines are dropped, no field we read has them. */
function paragraphs(content: string): Map<string, string>[] {
  return content
    .split(/\n\s*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
      }
      return fields;
    })
    .filter((f) => f.size > 0);
}

export function readDpkgStatus(file: FileInput): Observed[] {
  return paragraphs(file.content).flatMap((p) => {
    const name = p.get('package');
    const version = p.get('version');
    // "install ok installed" only: removed packages keep a paragraph with their config files.
    if (!name || !version || !/\binstalled$/.test(p.get('status') ?? '')) return [];
    const source = /^(\S+)(?:\s+\((\S+)\))?/.exec(p.get('source') ?? '');
    return [
      {
        name,
        ecosystem: 'debian' as const,
        version,
        ...(source && source[1] !== name ? { advisoryName: source[1] } : {}),
        seen: [{ source: 'dpkg-status', at: file.path }],
      },
    ];
  });
}

export function readApkInstalled(file: FileInput): Observed[] {
  const out: Observed[] = [];
  for (const block of file.content.split(/\n\s*\n/)) {
    const field = (key: string) => new RegExp(`^${key}:(.*)$`, 'm').exec(block)?.[1]?.trim();
    const name = field('P');
    const version = field('V');
    const origin = field('o');
    if (name && version)
      out.push({
        name,
        ecosystem: 'alpine',
        version,
        ...(origin && origin !== name ? { advisoryName: origin } : {}),
        seen: [{ source: 'apk-installed', at: file.path }],
      });
  }
  return out;
}

const OS: Record<string, Ecosystem> = { debian: 'os:debian', ubuntu: 'os:ubuntu', alpine: 'os:alpine' };

export function readOsRelease(file: FileInput): Observed[] {
  const field = (key: string) => new RegExp(`^${key}=("?)(.*)\\1\\s*$`, 'm').exec(file.content)?.[2];
  const id = field('ID')?.toLowerCase();
  const version = field('VERSION_ID');
  const ecosystem = id ? OS[id] : undefined;
  return ecosystem && version ? [{ name: id!, ecosystem, version, seen: [{ source: 'os-release', at: file.path }] }] : [];
}

/** The release as OSV names it (its ecosystem for the OS's packages): "Debian:12", "Alpine:v3.19", "Ubuntu:22.04:LTS". */
export function releaseOf(os: Observed): string | undefined {
  if (!os.version) return undefined;
  if (os.ecosystem === 'os:debian') return `Debian:${os.version.split('.')[0]}`;
  if (os.ecosystem === 'os:alpine') return `Alpine:v${os.version.split('.').slice(0, 2).join('.')}`;
  // Ubuntu's long-term releases are the April ones of even years.
  const lts = /^(\d\d)\.04$/.exec(os.version) && Number(os.version.slice(0, 2)) % 2 === 0;
  return `Ubuntu:${os.version}${lts ? ':LTS' : ''}`;
}

/** Marks Debian and Alpine packages with the release of the OS they were read from. */
export function withRelease(found: readonly Observed[]): Observed[] {
  const os = found.find((c) => c.ecosystem === 'os:debian' || c.ecosystem === 'os:alpine' || c.ecosystem === 'os:ubuntu');
  const release = os ? releaseOf(os) : undefined;
  if (!release) return [...found];
  return found.map((c) => (c.ecosystem === 'debian' || c.ecosystem === 'alpine' ? { ...c, release } : c));
}
