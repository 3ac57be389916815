import { formatPlan } from '../../config/apply.js';
import { readEnvironment } from '../../config/env.js';
import { importers } from '../../import/index.js';
import { envFileFor, renderImport, writeImport } from '../../import/import.service.js';
import type { CommonImportOptions, Importer } from '../../import/importer.js';
import { withCore } from '../run.js';
import type { OutputOptions } from './import.js';

// What `upkeep import …` runs; loaded only when it runs (see cli/main.ts).

/** Reads the source, prints the plan and what was not imported, writes the files and applies them if asked. */
async function runImport<O extends CommonImportOptions>(importer: Importer<O>, input: string, opts: OutputOptions & O): Promise<void> {
  const env = readEnvironment();
  const result = await importer.read(input, { ...opts, env: env.vars });
  const outcome = renderImport(result, input, opts.output, env.vars);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (opts.dryRun) {
    out(`Plan (dry run, nothing written): ${outcome.report}`);
    if (opts.apply) out(formatPlan(await withCore(opts.dataDir, (core) => core.sync.apply(outcome.loaded, { dryRun: true })), true));
    return;
  }
  const files = await writeImport(outcome, opts.output, Boolean(opts.force));
  out(`Imported from ${outcome.report}`);
  out(
    `Wrote ${files.join(' and ')}${files.length > 1 ? ` (${result.draft.secrets.size} secret(s), readable by you only: keep it out of version control)` : ''}.`,
  );
  if (opts.apply) {
    const plan = await withCore(opts.dataDir, (core) => core.sync.apply(outcome.loaded, { dryRun: false }));
    out(formatPlan(plan, false));
  } else {
    const envFile = envFileFor(opts.output);
    out(`Apply it with:\n  ${files.length > 1 ? `set -a; . ${envFile}; set +a; ` : ''}upkeep apply --config ${opts.output}`);
  }
}

export const importKuma = (source: string, opts: OutputOptions) => runImport(importers.kuma, source, opts);

export const importHealthchecks = (opts: OutputOptions & { url: string; apiKeyEnv: string; allowPrivate?: boolean }) =>
  runImport(importers.healthchecks, opts.url, { ...opts, apiKey: readEnvironment().vars[opts.apiKeyEnv] });

export const importGatus = (config: string, opts: OutputOptions) => runImport(importers.gatus, config, opts);
