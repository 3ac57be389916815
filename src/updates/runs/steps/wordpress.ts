import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { makeDirs, removeTree, writeRemoteFile } from '../../../backups/sftp-tree.js';
import { AppError, describeError } from '../../../lib/errors.js';
import { version, wpSlug } from './commands.js';
import type { StepContext, StepOutcome, StepType } from './types.js';

/** A release archive is refused past this many bytes unpacked: a zip bomb must not fill the server's disk. */
const MAX_UNPACKED = 512 * 1024 * 1024;

type Folder = 'plugin' | 'theme';

const schemaOf = <K extends string>(kind: K) =>
  z
    .object({
      kind: z.literal(kind),
      slug: wpSlug,
      version,
      /** The release's zip; WordPress.org's (`<wordpressDownloads>/<plugin|theme>/<slug>.<version>.zip`) when absent. */
      url: z.url({ protocol: /^https?$/ }).optional(),
    })
    .strict();

/** The zip's entries, checked: all inside `<slug>/`, no climbing out, no links, not too big. */
function unpack(zip: Buffer, slug: string): { path: string; data: Uint8Array }[] {
  let total = 0;
  const entries = unzipSync(new Uint8Array(zip), {
    filter: (file) => {
      total += file.originalSize;
      if (total > MAX_UNPACKED) throw new AppError('invalid_input', `the release unpacks to more than ${MAX_UNPACKED / 1024 / 1024} MiB`);
      return true;
    },
  });
  const out: { path: string; data: Uint8Array }[] = [];
  for (const [name, data] of Object.entries(entries)) {
    const parts = name.split('/');
    if (name.includes('\\') || name.includes('\0') || parts[0] !== slug || parts.some((p) => p === '..' || p === '.'))
      throw new AppError('invalid_input', `the release has an entry outside its "${slug}/" folder: ${JSON.stringify(name)}`);
    if (!name.endsWith('/')) out.push({ path: parts.slice(1).join('/'), data });
  }
  if (!out.length) throw new AppError('invalid_input', `the release has no files in its "${slug}/" folder`);
  return out;
}

/**
 * What WordPress's own upgrader does, without WordPress: download the release, unpack it into
 * wp-content/upgrade, then swap it for the installed folder (the old one is moved aside, then
 * removed), so the site sees the old version or the new one, never a mix.
 */
async function installRelease(folder: Folder, s: { slug: string; version: string; url?: string | undefined }, ctx: StepContext): Promise<StepOutcome> {
  const url = s.url ?? `${ctx.wordpressDownloads.replace(/\/$/, '')}/${folder}/${s.slug}.${s.version}.zip`;
  const content = posix.join(ctx.root, 'wp-content');
  const installed = posix.join(content, `${folder}s`, s.slug);
  const staging = posix.join(content, 'upgrade', `upkeep-${s.slug}-${randomBytes(4).toString('hex')}`);
  const sftp = await ctx.ssh.sftp();
  try {
    const zip = await ctx.download(url);
    const files = unpack(zip, s.slug);
    const fresh = posix.join(staging, 'new');
    for (const f of files) {
      await makeDirs(sftp, posix.dirname(posix.join(fresh, f.path)));
      await writeRemoteFile(sftp, posix.join(fresh, f.path), f.data, 0o644);
    }
    const existed = await sftp.lstat(installed).then(
      () => true,
      () => false,
    );
    if (existed) await sftp.rename(installed, posix.join(staging, 'old'));
    await sftp.rename(fresh, installed);
    await removeTree(sftp, staging);
    const bytes = files.reduce((n, f) => n + f.data.length, 0);
    return { ok: true, output: `downloaded ${url} (${zip.length} bytes); wrote ${files.length} files (${bytes} bytes) to wp-content/${folder}s/${s.slug}` };
  } catch (err) {
    await removeTree(sftp, staging).catch(() => undefined);
    return { ok: false, output: `${folder} ${s.slug} ${s.version} from ${url}: ${describeError(err)}` };
  } finally {
    await sftp.close();
  }
}

const pluginSchema = schemaOf('wordpress-plugin');
export const wordpressPluginStep = {
  schema: pluginSchema,
  describe: (s) => `install plugin ${s.slug} ${s.version} from its release zip`,
  run: (s, ctx) => installRelease('plugin', s, ctx),
} satisfies StepType<typeof pluginSchema>;

const themeSchema = schemaOf('wordpress-theme');
export const wordpressThemeStep = {
  schema: themeSchema,
  describe: (s) => `install theme ${s.slug} ${s.version} from its release zip`,
  run: (s, ctx) => installRelease('theme', s, ctx),
} satisfies StepType<typeof themeSchema>;
