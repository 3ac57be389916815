import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Document } from 'yaml';
import { planLines } from '../config/apply.js';
import type { LoadedConfig } from '../config/load.js';
import { parseConfig } from '../config-file.js';
import { AppError, isAppError } from '../lib/errors.js';
import type { ImportDraft } from './draft.js';
import type { SourceResult } from './importer.js';

/** What an import produced: the file texts, the config as Upkeep reads them, and the report. */
export interface ImportOutcome {
  yaml: string;
  /** `NAME='value'` lines for the secrets the YAML refers to; empty when there are none. */
  envFile: string;
  loaded: LoadedConfig;
  report: string;
}

/** One env-file line that both `node --env-file` and a POSIX shell (`set -a; . ./file`) read back as the same value. */
function envLine(name: string, value: string): string {
  if (!value.includes("'") && !value.includes('\n')) return `${name}='${value}'`;
  if (!value.includes('"') && !value.includes('`') && !value.includes('$') && !value.includes('\\')) return `${name}="${value.replaceAll('\n', '\\n')}"`;
  throw new AppError('invalid_input', `the secret ${name} holds quotes and line breaks together; no env file can hold it safely, set it by hand`);
}

/** The env file next to a config: upkeep.yaml → upkeep.env. */
export function envFileFor(output: string): string {
  return join(dirname(output), `${basename(output, extname(output))}.env`);
}

function count(draft: ImportDraft): string {
  const monitors = [...draft.sites.values()].reduce((n, s) => n + s.monitors.length, 0);
  return [
    `${draft.sites.size} site(s)`,
    `${monitors} monitor(s)`,
    `${draft.channels.length} channel(s)`,
    `${draft.maintenance.length} maintenance window(s)`,
    `${draft.statusPages.length} status page(s)`,
  ].join(', ');
}

/** Skipped objects and notes, one line each, for people. */
export function reportLines(draft: ImportDraft): string[] {
  const lines: string[] = [];
  if (draft.skipped.length) {
    lines.push(`Not imported (${draft.skipped.length}):`);
    for (const s of draft.skipped) lines.push(`  - ${s.kind} "${s.name}"${s.type ? ` (${s.type})` : ''}: ${s.reason}`);
  }
  if (draft.notes.length) {
    lines.push(`Imported with changes (${draft.notes.length}):`);
    for (const n of draft.notes) lines.push(`  ~ ${n.kind} "${n.key}": ${n.message}`);
  }
  return lines;
}

/**
 * Turns a draft into upkeep.yaml text and its env file, and checks the result the way `upkeep validate`
 * does (with the secrets set), so a file this writes always loads.
 */
export function renderImport(result: SourceResult, source: string, output: string, env: NodeJS.ProcessEnv): ImportOutcome {
  const { draft } = result;
  const doc = new Document(draft.toConfig());
  const envName = basename(envFileFor(output));
  doc.commentBefore = [
    ` Imported from ${result.describe} (${source}) by \`upkeep import\`.`,
    draft.secrets.size ? ` Secrets are \${UPKEEP_SECRET_…} references; their values are in ${envName} (keep it out of version control).` : undefined,
    draft.skipped.length ? ` ${draft.skipped.length} object(s) were not imported; \`upkeep import … --dry-run\` lists them with the reason.` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  const yaml = doc.toString({ lineWidth: 0 });
  const secrets = Object.fromEntries(draft.secrets);
  let loaded: LoadedConfig;
  try {
    loaded = parseConfig(yaml, output, { ...env, ...secrets });
  } catch (err) {
    if (!isAppError(err)) throw err;
    throw new AppError('internal', `the imported config does not validate (a bug in the importer): ${err.message}`, { cause: err, details: err.details });
  }
  const envFile = [...draft.secrets].map(([name, value]) => envLine(name, value)).join('\n');
  const report = [`${result.describe} (${source}): ${count(draft)}`, ...planLines(draft.plan()), ...reportLines(draft)].join('\n');
  return { yaml, envFile: envFile ? `${envFile}\n` : '', loaded, report };
}

/** Writes the YAML and (when there are secrets) the env file, readable by the owner only; never over an existing file unless `force`. */
export async function writeImport(outcome: ImportOutcome, output: string, force: boolean): Promise<string[]> {
  const envPath = envFileFor(output);
  const files = outcome.envFile ? [output, envPath] : [output];
  for (const file of files) {
    if (!force && existsSync(file)) throw new AppError('conflict', `${file} already exists; choose another --output or add --force to replace it`);
  }
  await writeFile(output, outcome.yaml, { mode: 0o644 });
  if (outcome.envFile) await writeFile(envPath, outcome.envFile, { mode: 0o600 });
  return files;
}
