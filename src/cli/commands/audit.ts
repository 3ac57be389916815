import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Core } from '../../app.js';
import type { StoredAudit } from '../../audits/audit.service.js';
import { createAuditNet, parseResolveOption } from '../../audits/net.js';
import { renderHtmlReport } from '../../audits/report/html.js';
import { updateVulnerabilities } from '../../audits/security/retire-update.js';
import { auditCategories, severities, type AuditCategory, type ProgressEvent, type Severity } from '../../audits/types.js';
import { readEnvironment } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';
import { action, DEFAULT_DATA_DIR, parsePort, readConfigOption, withCore } from '../run.js';

interface AuditOptions {
  only?: AuditCategory[];
  json?: boolean;
  html?: string;
  allowPrivate?: boolean;
  resolve: string[];
  ca: string[];
  httpPort?: number;
  httpsPort?: number;
  failOn?: Severity;
  config?: string;
  dataDir: string;
}

function parseOnly(text: string): AuditCategory[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(auditCategories as readonly string[]).includes(n));
  if (unknown.length || names.length === 0)
    throw new InvalidArgumentError(`expected a comma-separated list of ${auditCategories.join(', ')}; "${unknown.join(', ') || text}" is not one.`);
  return names as AuditCategory[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

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

/** `audit <url>` runs an audit now; `audit-vulns` refreshes retire.js's vulnerability repository. */
export function register(program: Command): void {
  program
    .command('audit <target>')
    .description('Audit a website now (a URL, or the name of a site in the database): security, performance, privacy, accessibility, links.')
    .option('--only <categories>', `comma-separated: ${auditCategories.join(',')}`, parseOnly)
    .option('--json', 'print the result as JSON: { url, startedAt, scores, grades, findings }')
    .option('--html <file>', 'also write a report for the site owner as one HTML file')
    .option('--allow-private', 'allow loopback and private addresses (refused by default, like network.allowPrivateTargets)')
    .option('--resolve <host:address>', 'answer this host name with this address, like curl --resolve (repeatable)', collect, [])
    .option('--ca <file>', 'also trust this CA certificate (PEM), for sites behind a private CA (repeatable)', collect, [])
    .option('--http-port <port>', 'port of plain HTTP when the URL is https on a non-default port', parsePort)
    .option('--https-port <port>', 'port of HTTPS when the URL is http on a non-default port', parsePort)
    .addOption(new Option('--fail-on <severity>', 'exit with 1 when a finding is this severe or worse').choices([...severities]))
    .option('-c, --config <file>', 'take audits: and network: settings from this config file')
    .option('-d, --data-dir <dir>', 'data directory (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR)
    .addHelpText(
      'after',
      `
The audit is stored with its history; the output ends with what got worse since the previous one.
Chromium (Debian: apt-get install chromium) is needed for performance, privacy and accessibility.

Examples:
  $ upkeep audit https://example.com/
  $ upkeep audit https://example.com/ --only security,privacy --html report.html
  $ upkeep audit "Example shop" --json > audit.json
  $ upkeep audit https://staging.example.com/ --resolve staging.example.com:203.0.113.7 --fail-on high`,
    )
    .action(
      action(async (target: string, opts: AuditOptions) => {
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
            process.stdout.write(
              `${JSON.stringify({ url, startedAt, scores, grades, findings, ...(Object.keys(errors).length ? { errors } : {}) }, null, 2)}\n`,
            );
          } else {
            printHuman(audit, regressions.map(describeRegression));
          }
          if (audit.status === 'failed') return 1;
          const worst = opts.failOn ? severities.indexOf(opts.failOn) : -1;
          return audit.findings.some((f) => severities.indexOf(f.severity) <= worst) ? 1 : 0;
        });
      }),
    );

  program
    .command('audit-vulns')
    .description("Refresh retire.js's vulnerability repository used to find outdated JavaScript libraries.")
    .option(
      '--from <file-or-url>',
      'a RetireJsVulns.json, or an npm tarball of @salesforce/code-analyzer-retirejs-engine (default: its newest release from the npm registry)',
    )
    .option('--allow-private', 'allow a loopback or private address in --from')
    .option('-d, --data-dir <dir>', 'data directory; the refreshed copy is kept there', DEFAULT_DATA_DIR)
    .addHelpText('after', '\nExamples:\n  $ upkeep audit-vulns\n  $ upkeep audit-vulns --from ./RetireJsVulns.json')
    .action(
      action(async (opts: { from?: string; allowPrivate?: boolean; dataDir: string }) => {
        const updated = await updateVulnerabilities(createAuditNet({ allowPrivate: Boolean(opts.allowPrivate) }), opts.from, opts.dataDir);
        process.stdout.write(`${updated.libraries} libraries from ${updated.source} saved to ${updated.file}\n`);
      }),
    );
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
