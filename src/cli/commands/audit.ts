import { InvalidArgumentError, Option, type Command } from 'commander';
import { auditCategories, severities, type AuditCategory, type Severity } from '../../audits/types.js';
import { action, DEFAULT_DATA_DIR, parsePort } from '../run.js';

export interface AuditOptions {
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

export interface RefreshOptions {
  from?: string;
  allowPrivate?: boolean;
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
    .action(action(async (target: string, opts: AuditOptions) => (await import('./audit.action.js')).runAudit(target, opts)));

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
    .action(action(async (opts: RefreshOptions) => (await import('./audit.action.js')).refreshVulnerabilities(opts)));
}
