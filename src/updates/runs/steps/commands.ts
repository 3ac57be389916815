import { z } from 'zod';
import { shellQuote } from '../../../backups/sftp-connection.js';
import type { StepContext, StepOutcome, StepType } from './types.js';

/** Output kept per step: enough for an error and its context, never a whole build log. */
export const STEP_OUTPUT_BYTES = 64 * 1024;

/** Names that reach a remote shell are checked against their ecosystem's own rules, and then quoted anyway. */
export const wpSlug = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a WordPress.org slug is lower-case letters, digits, "-" and "_", like "akismet"');
export const version = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+~_-]*$/, 'a version is letters, digits and . + ~ _ -, like "5.3.1"');
const composerPackage = z.string().regex(/^[a-z0-9]([_.-]?[a-z0-9]+)*\/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$/, 'a Composer package is "vendor/name"');
const npmPackage = z.string().regex(/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, 'an npm package name, like "lodash" or "@scope/name"');
const debianPackage = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name, like "php8.2-cli"');

/** Runs a command line in the site's folder, keeping its output (capped) and its exit code. */
export async function inSite(ctx: StepContext, line: string): Promise<StepOutcome> {
  const result = await ctx.ssh.exec(`cd ${shellQuote(ctx.root)} && ${line}`, { maxBytes: STEP_OUTPUT_BYTES, timeoutMs: ctx.timeoutMs });
  const notes = [
    result.truncated ? `[output cut at ${STEP_OUTPUT_BYTES} bytes]` : '',
    result.timedOut ? `[stopped after ${Math.round(ctx.timeoutMs / 1000)} s]` : '',
    result.code !== null && result.code !== 0 ? `[exit code ${result.code}]` : '',
  ].filter(Boolean);
  return { ok: result.code === 0, output: [result.output.trimEnd(), ...notes].filter(Boolean).join('\n') };
}

const words = (argv: readonly string[]) => argv.map(shellQuote).join(' ');

const wpCliSchema = z
  .object({
    kind: z.literal('wp-cli'),
    target: z.enum(['core', 'plugin', 'theme']),
    /** The plugin's or theme's slug; not for core. */
    name: wpSlug.optional(),
    /** A version to update to; the newest when absent. */
    version: version.optional(),
  })
  .strict()
  .refine((s) => (s.target === 'core') === (s.name === undefined), { message: 'wp-cli steps name a plugin or theme, and core takes no name' });

function wpArgv(s: z.output<typeof wpCliSchema>): string[] {
  const pinned = s.version ? [`--version=${s.version}`] : [];
  return s.target === 'core' ? ['wp', 'core', 'update', ...pinned] : ['wp', s.target, 'update', s.name!, ...pinned];
}

/** WordPress's own updater driven by wp-cli, when the server has it; core updates also upgrade the database. */
export const wpCliStep = {
  schema: wpCliSchema,
  describe: (s) => wpArgv(s).join(' '),
  requires: ['wp', '--version'],
  run: (s, ctx) => inSite(ctx, `${words([...wpArgv(s), '--no-color'])}${s.target === 'core' ? ` && ${words(['wp', 'core', 'update-db', '--no-color'])}` : ''}`),
} satisfies StepType<typeof wpCliSchema>;

const composerSchema = z.object({ kind: z.literal('composer'), packages: z.array(composerPackage).min(1) }).strict();
export const composerStep = {
  schema: composerSchema,
  describe: (s) => `composer update ${s.packages.join(' ')} --with-dependencies`,
  requires: ['composer', '--version'],
  run: (s, ctx) => inSite(ctx, words(['composer', 'update', ...s.packages, '--with-dependencies', '--no-interaction', '--no-ansi'])),
} satisfies StepType<typeof composerSchema>;

const npmSchema = z.object({ kind: z.literal('npm'), packages: z.array(z.object({ name: npmPackage, version }).strict()).min(1) }).strict();
export const npmStep = {
  schema: npmSchema,
  describe: (s) => `npm install ${s.packages.map((p) => `${p.name}@${p.version}`).join(' ')}`,
  requires: ['npm', '--version'],
  run: (s, ctx) => inSite(ctx, words(['npm', 'install', '--no-audit', '--no-fund', ...s.packages.map((p) => `${p.name}@${p.version}`)])),
} satisfies StepType<typeof npmSchema>;

const aptSchema = z.object({ kind: z.literal('apt'), packages: z.array(debianPackage).min(1) }).strict();
/** Upgrades installed Debian/Ubuntu packages only (never installs new ones), through sudo without a password prompt. */
export const aptStep = {
  schema: aptSchema,
  describe: (s) => `apt-get install --only-upgrade ${s.packages.join(' ')}`,
  requires: ['apt-get', '--version'],
  run: (s, ctx) =>
    inSite(ctx, `${words(['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--only-upgrade', ...s.packages])} </dev/null`),
} satisfies StepType<typeof aptSchema>;

const commandSchema = z
  .object({
    kind: z.literal('command'),
    /** A shell line the user wrote, run in the site's folder. */
    command: z.string().min(1).max(4_000),
    title: z.string().min(1).max(200).optional(),
  })
  .strict();
export const commandStep = {
  schema: commandSchema,
  describe: (s) => s.title ?? s.command,
  run: (s, ctx) => inSite(ctx, s.command),
} satisfies StepType<typeof commandSchema>;
