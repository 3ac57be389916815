import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../lib/errors.js';
import { isHttpResult, type AuditNet } from '../net.js';
import { repositorySchema, UPDATED_FILE } from './retire.js';

/** npm's metadata for the newest release of the package that ships retire.js's repository. */
const DEFAULT_SOURCE = 'https://registry.npmjs.org/@salesforce%2fcode-analyzer-retirejs-engine/latest';
const FILE_IN_PACKAGE = 'package/vulnerabilities/RetireJsVulns.json';

/** Reads one file out of a (gzipped) tar archive: 512-byte headers, name at 0, size in octal at 124, prefix at 345. */
function fileFromTarball(tgz: Buffer, wanted: string): Buffer | undefined {
  const tar = gunzipSync(tgz, { maxOutputLength: 200 * 1024 * 1024 });
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) =>
      header
        .subarray(from, from + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (name === wanted) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

async function read(net: AuditNet, source: string): Promise<Buffer> {
  if (!/^https?:\/\//i.test(source)) {
    try {
      return readFileSync(source);
    } catch (err) {
      throw new AppError('invalid_input', `cannot read ${source}: ${(err as Error).message}`);
    }
  }
  const res = await net.fetch(source, {
    maxBodyBytes: 50 * 1024 * 1024,
    deadlineMs: 60_000,
    headers: { accept: 'application/json, application/octet-stream, */*' },
  });
  if (res.status !== 200) throw new AppError('unavailable', `${source} answered HTTP ${res.status}`);
  return res.body;
}

/**
 * Brings a newer retire.js repository into the data directory, where audits prefer it to the copy
 * that ships with Upkeep. `source` is a RetireJsVulns.json, an npm tarball of the package, or npm
 * metadata naming one (the default asks the npm registry for the newest release). It is checked
 * before it replaces anything.
 */
export async function updateVulnerabilities(
  net: AuditNet,
  source: string | undefined,
  dataDir: string,
): Promise<{ source: string; libraries: number; file: string }> {
  let from = source ?? DEFAULT_SOURCE;
  let data = await read(net, from);
  if (data[0] === 0x7b) {
    const meta = JSON.parse(data.toString('utf8')) as { dist?: { tarball?: string } };
    // npm metadata rather than the repository itself: follow it to the tarball.
    if (typeof meta.dist?.tarball === 'string') {
      from = meta.dist.tarball;
      const tarball = await net.tryFetch(from, { maxBodyBytes: 50 * 1024 * 1024, deadlineMs: 60_000 });
      if (!isHttpResult(tarball) || tarball.status !== 200)
        throw new AppError('unavailable', `cannot download ${from}: ${isHttpResult(tarball) ? `HTTP ${tarball.status}` : tarball.error}`);
      data = tarball.body;
    }
  }
  if (data[0] === 0x1f && data[1] === 0x8b) {
    const inner = fileFromTarball(data, FILE_IN_PACKAGE);
    if (!inner) throw new AppError('invalid_input', `${from} is a tarball without ${FILE_IN_PACKAGE}`);
    data = inner;
  }
  let parsed;
  try {
    parsed = repositorySchema.safeParse(JSON.parse(data.toString('utf8')));
  } catch {
    throw new AppError('invalid_input', `${from} is neither JSON nor an npm tarball`);
  }
  if (!parsed.success || !parsed.data.jquery)
    throw new AppError(
      'invalid_input',
      `${from} is not a retire.js vulnerability repository (expected entries like "jquery" with "vulnerabilities" and "extractors")`,
    );
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, UPDATED_FILE);
  // Written aside and renamed: an audit running now reads the old file or the new one, never half of one.
  writeFileSync(`${file}.tmp`, JSON.stringify(parsed.data));
  renameSync(`${file}.tmp`, file);
  return { source: from, libraries: Object.keys(parsed.data).length, file };
}
