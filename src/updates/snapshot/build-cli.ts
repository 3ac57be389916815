import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '../../lib/errors.js';
import { buildSnapshot } from './build.js';
import { SHIPPED_SNAPSHOT, writeKnowledgeFile } from './load.js';

/** `npm run updates:snapshot -- --from <dir> [--out <file>]`: see build.ts for the layout of <dir>. */
try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string' } } });
  if (!values.from) throw new Error('usage: npm run updates:snapshot -- --from <dir> [--out <file>]');
  const { knowledge, counts } = buildSnapshot(resolve(values.from));
  const out = resolve(values.out ?? SHIPPED_SNAPSHOT);
  const bytes = writeKnowledgeFile(out, knowledge);
  for (const [what, n] of Object.entries(counts)) process.stdout.write(`${what}: ${n}\n`);
  process.stdout.write(`wrote ${out} (${(bytes / 1024).toFixed(1)} KiB, built ${knowledge.builtAt})\n`);
} catch (err) {
  process.stderr.write(`updates:snapshot: ${describeError(err)}\n`);
  process.exitCode = 2;
}
