import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Core } from '../../app.js';
import type { StoredAudit } from '../../audits/audit.service.js';
import { createAuditNet, parseResolveOption } from '../../audits/net.js';
import { renderHtmlReport } from '../../audits/report/html.js';
import { updateVulnerabilities } from '../../audits/security/retire-update.js';
import { severities, type ProgressEvent } from '../../audits/types.js';
import { readEnvironment } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';
import { readConfigOption, withCore } from '../run.js';
import type { AuditOptions, RefreshOptions } from './audit.js';

function readCa(files: readonly string[]): string[] {
  return files.map((file) => {
    try {
      const pem = readFileSync(file, 'utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
      return pem;
    } catch (err) {
      throw new AppError('invalid_input', `--ca ${file}: ${(err as Error).message}`);
    }
  });
}

/** Progress for people, on stderr, so --json output on stdout stays machine-readable. */
function progressPrinter(): (e: ProgressEvent) => void {
  return (e) => {
    if (e.type === 'category-start') process.stderr.write(`▸ ${e.category}\n`);
    else if (e.type === 'step') process.stderr.write(`  ${e.message}\n`);
    else if (e.type === 'category-done')
      process.stderr.write(`✓ ${e.category}: ${e.findings} finding${e.findings === 1 ? '' : 's'} (${(e.ms / 1000).toFixed(1)} s)\n`);
    else process.stderr.write(`✗ ${e.category}: ${e.message}\n`);
  };
}

function printHuman(audit: StoredAudit, changes: string[]): void {
  const out: string[] = [`\nAudit of ${audit.url} (${audit.startedAt})`];
  for (const [name, score] of Object.entries(audit.scores))
    out.push(`  ${name.padEnd(20)} ${audit.grades[name] ? `${audit.grades[name]}`.padEnd(3) : '   '} ${score}`);
  for (const [name, grade] of Object.entries(audit.grades)) if (audit.scores[name] === undefined) out.push(`  ${name.padEnd(20)} ${grade}`);
  for (const [category, error] of Object.entries(audit.errors)) out.push(`  ${category.padEnd(20)} could not run: ${error}`);
  out.push(audit.findings.length ? `\n${audit.findings.length} finding${audit.findings.length === 1 ? '' : 's'}:` : '\nNo findings.');
  for (const f of audit.findings) {
    out.push(`\n[${f.severity}] ${f.title}`, `  id:       ${f.id}`, `  evidence: ${f.evidence.split('\n').join('\n            ')}`, `  fix:      ${f.fix}`);
  }
  if (changes.length) out.push(`\nSince the previous audit:`, ...changes.map((c) => `  ${c}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Runs `upkeep audit <target>`; loaded only then (see cli/main.ts). */
export async function runAudit(target: string, opts: AuditOptions): Promise<number> {
  const loaded = await readConfigOption(opts.config, readEnvironment(), opts.config !== undefined);
  const ca = readCa(opts.ca);
  const resolve = parseResolveOption(opts.resolve);
  return withCore(opts.dataDir, async (core) => {
    if (loaded) core.audits.useConfig(loaded.config.audits, loaded.config.network.allowPrivateTargets);
    const ports = { ...(opts.httpPort ? { http: opts.httpPort } : {}), ...(opts.httpsPort ? { https: opts.httpsPort } : {}) };
    const audit = await core.audits.runAudit(await targetOf(core, target), {
      ...(opts.only ? { only: opts.only } : {}),
      ...(opts.allowPrivate ? { allowPrivate: true } : {}),
      onProgress: progressPrinter(),
      resolve,
      ca,
      ports,
    });
    const regressions = await core.audits.compareWithPrevious(audit);
    if (opts.html) {
      await writeFile(opts.html, renderHtmlReport(audit, await core.audits.artifacts(audit.id)));
      process.stderr.write(`report written to ${opts.html}\n`);
    }
    if (opts.json) {
      const { url, startedAt, scores, grades, findings, errors } = audit;
      process.stdout.write(`${JSON.stringify({ url, startedAt, scores, grades, findings, ...(Object.keys(errors).length ? { errors } : {}) }, null, 2)}\n`);
    } else {
      printHuman(audit, regressions.map(describeRegression));
    }
    if (audit.status === 'failed') return 1;
    const worst = opts.failOn ? severities.indexOf(opts.failOn) : -1;
    return audit.findings.some((f) => severities.indexOf(f.severity) <= worst) ? 1 : 0;
  });
}

/** Runs `upkeep audit-vulns`. */
export async function refreshVulnerabilities(opts: RefreshOptions): Promise<void> {
  const updated = await updateVulnerabilities(createAuditNet({ allowPrivate: Boolean(opts.allowPrivate) }), opts.from, opts.dataDir);
  process.stdout.write(`${updated.libraries} libraries from ${updated.source} saved to ${updated.file}\n`);
}

async function targetOf(core: Core, target: string): Promise<number | string> {
  if (/^https?:\/\//i.test(target)) return target;
  const page = await core.sites.listSites({ limit: 500, search: target });
  const site = page.items.find((s) => s.spec.name === target);
  if (!site) throw new AppError('invalid_input', `"${target}" is neither an http(s) URL nor the name of a site`);
  return site.id;
}

function describeRegression(r: Awaited<ReturnType<Core['audits']['compareWithPrevious']>>[number]): string {
  switch (r.type) {
    case 'new_finding':
      return `new ${r.finding.severity} finding: ${r.finding.title}`;
    case 'score_dropped':
      return `${r.score} score fell from ${r.from} to ${r.to}`;
    case 'new_third_party':
      return `new third party: ${r.entity ?? r.domain} (${r.categories.join(', ')})`;
    case 'certificate_changed':
      return `certificate changed: now ${r.to.subject} from ${r.to.issuer}, valid to ${r.to.validTo.slice(0, 10)}`;
  }
}
