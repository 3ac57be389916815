import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, describeError } from '../../lib/errors.js';
import { buildSnapshot } from './build.js';
import { SHIPPED_SNAPSHOT, writeKnowledgeFile } from './load.js';

const USAGE =
  'usage: npm run updates:snapshot -- --debs <dir> [--from <dir>] [--out <file>]\n' +
  '  --debs  a folder with the .deb files of distro-info-data and osinfo-db (apt-get download distro-info-data osinfo-db)\n' +
  '  --from  your own copies of endoflife.date, the GitHub Advisory Database, OSV records or a Wordfence feed (see src/updates/data/README.md)';

/** `npm run updates:snapshot`: see build.ts for the sources and src/updates/data/README.md for the shipped copy. */
try {
  const { values } = parseArgs({ options: { debs: { type: 'string' }, from: { type: 'string' }, out: { type: 'string' } } });
  if (!values.debs) throw new AppError('invalid_input', USAGE);
  const { knowledge, counts } = buildSnapshot({ debs: resolve(values.debs), ...(values.from ? { from: resolve(values.from) } : {}) });
  const out = resolve(values.out ?? SHIPPED_SNAPSHOT);
  const bytes = writeKnowledgeFile(out, knowledge);
  for (const s of knowledge.sources) process.stdout.write(`source: ${s.name} (${s.license})${s.asOf ? `, data up to ${s.asOf.slice(0, 10)}` : ''}\n`);
  for (const [what, n] of Object.entries(counts)) process.stdout.write(`${what}: ${n}\n`);
  process.stdout.write(`wrote ${out} (${(bytes / 1024).toFixed(1)} KiB, built ${knowledge.builtAt})\n`);
} catch (err) {
  process.stderr.write(`updates:snapshot: ${describeError(err)}\n`);
  process.exitCode = 2;
}
