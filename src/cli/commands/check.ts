import type { Command } from 'commander';
import { AppError } from '../../lib/errors.js';
import type { ProbeType, SpecOf } from '../../monitoring/checks/check.js';
import type { CheckResult } from '../../monitoring/result.js';
import { action } from '../run.js';

interface CheckOptions {
  json?: boolean;
  timeout: string;
  contains?: string;
  allowPrivate?: boolean;
  insecure?: boolean;
}

/** The monitor a target on the command line stands for: a URL is an HTTP check, host:port a TCP check. */
async function specFor(target: string, opts: CheckOptions): Promise<SpecOf<ProbeType>> {
  const [{ parseInput }, { monitorSchema }] = await Promise.all([import('../../config/validate.js'), import('../../monitoring/monitor.schema.js')]);
  const common = { name: 'upkeep check', timeout: opts.timeout };
  if (/^https?:\/\//i.test(target)) {
    return parseInput(monitorSchema, {
      ...common,
      type: 'http',
      url: target,
      ...(opts.contains ? { expect: { contains: opts.contains } } : {}),
      ...(opts.insecure ? { tls: { verify: false } } : {}),
    }) as SpecOf<'http'>;
  }
  const hostPort = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(target);
  if (!hostPort) throw new AppError('invalid_input', `expected a URL like https://example.com/ or host:port like db.example.com:5432, got "${target}"`);
  if (opts.contains) throw new AppError('invalid_input', '--contains needs an http(s) URL');
  return parseInput(monitorSchema, { ...common, type: 'tcp', host: hostPort[1], port: Number(hostPort[2]) }) as SpecOf<'tcp'>;
}

const row = (label: string, value: string) => `  ${label.padEnd(12)} ${value}\n`;

function forPeople(target: string, result: CheckResult): string {
  const badge = { up: 'UP', degraded: 'DEGRADED', down: 'DOWN' }[result.status];
  let out = `${badge}  ${target}\n${row('result', result.message)}`;
  const t = result.timings;
  if (t) {
    const phases = ['dns', 'connect', ...(target.startsWith('https:') ? (['tls'] as const) : []), 'ttfb', 'transfer'] as const;
    for (const phase of phases) if (t[phase] !== undefined) out += row(phase, `${Math.round(t[phase])} ms`);
  }
  if (result.durationMs !== undefined) out += row('total', `${Math.round(result.durationMs)} ms`);
  const d = result.detail ?? {};
  const tls = d.tls as { protocol: string; validTo: string; daysLeft: number; issuer: string } | undefined;
  if (tls) out += row('certificate', `valid until ${tls.validTo.slice(0, 10)} (${tls.daysLeft} days), ${tls.protocol}, issued by ${tls.issuer}`);
  if (typeof d.finalUrl === 'string' && d.finalUrl !== target) out += row('final URL', d.finalUrl);
  if (typeof d.bytes === 'number') out += row('bytes', `${d.bytes}${d.truncated ? ' (stopped reading at 1 MiB)' : ''}`);
  return out;
}

export function register(program: Command): void {
  program
    .command('check <target>')
    .description('Check a URL (HTTP) or host:port (TCP) once, now, through the same guarded client the monitors use.')
    .option('--json', 'print one JSON object instead of a table')
    .option('-t, --timeout <duration>', 'give up after this long', '10s')
    .option('--contains <text>', 'the page must contain this text')
    .option('--allow-private', 'allow loopback and private addresses (cloud metadata stays refused)')
    .option('--insecure', 'do not verify the TLS certificate')
    .addHelpText(
      'after',
      '\nExit codes: 0 up or degraded, 1 down, 2 bad input.\n\nExamples:\n  $ upkeep check https://example.com/ --contains "Welcome"\n  $ upkeep check db.internal:5432 --allow-private\n  $ upkeep check https://example.com/ --json | jq .timings',
    )
    .action(
      action(async (target: string, opts: CheckOptions) => {
        const spec = await specFor(target, opts);
        const [{ runCheck }, { createResolver }] = await Promise.all([import('../../monitoring/checks/index.js'), import('../../lib/net/index.js')]);
        const result = await runCheck(spec, {
          policy: { allowPrivate: Boolean(opts.allowPrivate) },
          resolver: createResolver({ timeoutMs: 2_500, tries: 2 }),
          signal: AbortSignal.timeout(spec.timeout + 1_000),
        });
        if (opts.json) {
          const d = result.detail ?? {};
          const timings = Object.fromEntries(
            Object.entries({ ...result.timings, total: result.durationMs }).map(([k, v]) => [k, v === undefined ? null : Math.round(v * 10) / 10]),
          );
          const output = { status: result.status, message: result.message, statusCode: result.statusCode ?? null, timings, tls: d.tls ?? null, detail: d };
          process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
        } else process.stdout.write(forPeople(target, result));
        return result.status === 'down' ? 1 : 0;
      }),
    );
}
