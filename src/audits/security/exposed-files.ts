import { EVIDENCE_CHARS } from '../../lib/evidence.js';
import { parallel } from '../concurrency.js';
import { isHtml } from '../html.js';
import { firstHeader, isHttpResult, type AuditNet } from '../net.js';
import type { Finding, Severity } from '../types.js';

/**
 * A file that must never be public, and how to recognise it by its content. Many sites answer 200
 * with a "not found" page for anything ("soft 404"), so a status code alone proves nothing: each
 * probe is reported only when the body is what the file really looks like.
 */
interface Probe {
  path: string;
  severity: Severity;
  title: string;
  fix: string;
  confirm: (body: Buffer, contentType: string | undefined) => boolean;
}

const text = (body: Buffer) => body.subarray(0, 64 * 1024).toString('utf8');
const notHtml = (body: Buffer, type: string | undefined) => !isHtml(type) && !/^\s*<(!doctype|html|head|body)/i.test(text(body));
const startsWith = (body: Buffer, magic: number[]) => magic.every((byte, i) => body[i] === byte);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const GZIP = [0x1f, 0x8b];
const SQL_DUMP = /^(--|\/\*).*(dump|mysql|postgresql|mariadb)|^\s*(CREATE TABLE|INSERT INTO|DROP TABLE)/im;

const archive = (path: string): Probe => ({
  path,
  severity: 'high',
  title: `Backup archive ${path} can be downloaded`,
  fix: 'Delete backups from the web root and keep them outside it (or in Upkeep backups); block archive extensions in the web server.',
  confirm: (body) => startsWith(body, path.endsWith('.zip') ? ZIP : GZIP),
});

const sqlDump = (path: string): Probe => ({
  path,
  severity: 'critical',
  title: `Database dump ${path} can be downloaded`,
  fix: 'Delete the dump from the web root now and change every password and secret it contains.',
  confirm: (body, type) => notHtml(body, type) && SQL_DUMP.test(text(body)),
});

const PROBES: Probe[] = [
  {
    path: '/.git/config',
    severity: 'high',
    title: 'Git repository configuration is public (/.git/config)',
    fix: 'Block /.git in the web server (nginx: location ~ /\\.git { deny all; }) or deploy without the .git folder; anyone can download the source code otherwise.',
    confirm: (body) => /^\s*\[core\]/m.test(text(body)) && /repositoryformatversion/.test(text(body)),
  },
  {
    path: '/.git/HEAD',
    severity: 'high',
    title: 'Git repository is public (/.git/HEAD)',
    fix: 'Block /.git in the web server or deploy without the .git folder.',
    confirm: (body) => /^ref: refs\/|^[0-9a-f]{40}\s*$/.test(text(body)),
  },
  {
    path: '/.env',
    severity: 'critical',
    title: 'Environment file with secrets is public (/.env)',
    fix: 'Move .env out of the web root (or deny dotfiles in the web server) and rotate every secret in it: it has been readable by anyone.',
    confirm: (body, type) => notHtml(body, type) && (text(body).match(/^\s*(export\s+)?[A-Z][A-Z0-9_]*\s*=.*$/gm)?.length ?? 0) >= 2,
  },
  {
    path: '/.DS_Store',
    severity: 'low',
    title: 'macOS folder index is public (/.DS_Store), listing file names',
    fix: 'Delete .DS_Store files from the site and deny dotfiles in the web server.',
    confirm: (body) => startsWith(body, [0x00, 0x00, 0x00, 0x01, 0x42, 0x75, 0x64, 0x31]),
  },
  archive('/backup.zip'),
  archive('/site.zip'),
  archive('/www.zip'),
  archive('/backup.tar.gz'),
  sqlDump('/backup.sql'),
  sqlDump('/dump.sql'),
  sqlDump('/db.sql'),
  {
    path: '/phpinfo.php',
    severity: 'medium',
    title: 'phpinfo() page is public (/phpinfo.php)',
    fix: 'Delete phpinfo.php: it shows versions, paths and configuration an attacker can use.',
    confirm: (body) =>
      /<title>\s*phpinfo\(\)\s*<\/title>|class="e">PHP Version|PHP Version [0-9]/.test(text(body)) && /phpinfo|PHP Credits|Configuration/i.test(text(body)),
  },
  {
    path: '/info.php',
    severity: 'medium',
    title: 'phpinfo() page is public (/info.php)',
    fix: 'Delete info.php: it shows versions, paths and configuration an attacker can use.',
    confirm: (body) => /<title>\s*phpinfo\(\)\s*<\/title>|class="e">PHP Version/.test(text(body)),
  },
  {
    path: '/server-status',
    severity: 'medium',
    title: 'Apache server-status is public',
    fix: 'Restrict mod_status to localhost (Require local) or turn it off.',
    confirm: (body) => /Apache Server Status for/i.test(text(body)),
  },
  {
    path: '/server-info',
    severity: 'medium',
    title: 'Apache server-info is public',
    fix: 'Restrict mod_info to localhost (Require local) or turn it off.',
    confirm: (body) => /Apache Server Information/i.test(text(body)),
  },
];

/** Folders that often hold uploads or backups; listed ones are reported. */
const LISTING_PATHS = ['/', '/uploads/', '/files/', '/backup/', '/backups/', '/wp-content/uploads/'];
const LISTING = /<title>\s*Index of \/|<h1>\s*Index of \/|<h1>Directory listing for \//i;

/** Probes the well-known leaks on the site's origin; only confirmed ones become findings. */
export async function exposedFiles(net: AuditNet, origin: URL): Promise<Finding[]> {
  const get = (path: string) => net.tryFetch(new URL(path, origin).href, { maxRedirects: 0, insecure: true, maxBodyBytes: 64 * 1024, deadlineMs: 10_000 });
  const probed = await parallel(PROBES, 4, async (probe) => {
    const res = await get(probe.path);
    if (!isHttpResult(res) || res.status !== 200 || !probe.confirm(res.body, firstHeader(res, 'content-type'))) return null;
    // Enough to recognise the file, as all evidence a target gives (lib/evidence.ts): never its contents.
    const excerpt = res.body
      .subarray(0, EVIDENCE_CHARS)
      .toString('latin1')
      .replace(/[^\x20-\x7e]+/g, '·');
    const finding: Finding = {
      id: `security.exposed-file:${probe.path}`,
      category: 'security',
      severity: probe.severity,
      title: probe.title,
      evidence: `GET ${new URL(probe.path, origin).href} → 200, ${res.bytesReceived} bytes, starting "${excerpt}"`,
      fix: probe.fix,
    };
    return finding;
  });
  const listed = await parallel(LISTING_PATHS, 4, async (path) => {
    const res = await get(path);
    if (!isHttpResult(res) || res.status !== 200 || !LISTING.test(text(res.body))) return null;
    const finding: Finding = {
      id: `security.directory-listing:${path}`,
      category: 'security',
      severity: 'medium',
      title: `Directory listing is on at ${path}`,
      evidence: `GET ${new URL(path, origin).href} → 200 with an "Index of" page`,
      fix: 'Turn directory listing off (Apache: Options -Indexes; nginx: autoindex off).',
    };
    return finding;
  });
  return [...probed, ...listed].filter((f): f is Finding => f !== null);
}
