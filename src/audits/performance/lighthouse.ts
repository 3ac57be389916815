import lighthouse, { desktopConfig, type Result } from 'lighthouse';
import { computeMedianRun as untypedMedianRun } from 'lighthouse/core/lib/median-run.js';
import { AppError } from '../../lib/errors.js';
import { BASE_FLAGS, notBrowserServices, proxiedFlags, requireChromium } from '../browser/chromium.js';
import { launchChromium } from '../browser/launch.js';
import { startGuardedProxy } from '../browser/proxy.js';
import type { AuditContext } from '../context.js';
import type { PerformanceFacts } from '../types.js';

// Its declaration names Lighthouse's global LH namespace, which the package's public types do not carry.
const computeMedianRun = untypedMedianRun as (runs: Result[]) => Result;

export type FormFactor = 'mobile' | 'desktop';

/** The lab metrics kept from a run, Lighthouse's audit ids, in milliseconds (CLS unitless). */
const METRICS = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index', 'interactive'] as const;

/**
 * Core Web Vitals bands (web.dev thresholds). INP needs a real visitor, so the lab stands in with
 * Total Blocking Time, as Lighthouse itself does.
 */
const BANDS: Record<string, [number, number]> = {
  'largest-contentful-paint': [2500, 4000],
  'cumulative-layout-shift': [0.1, 0.25],
  'total-blocking-time': [200, 600],
  'first-contentful-paint': [1800, 3000],
};

export function band(metric: string, value: number): 'good' | 'needs-improvement' | 'poor' | undefined {
  const limits = BANDS[metric];
  if (!limits) return undefined;
  return value <= limits[0] ? 'good' : value <= limits[1] ? 'needs-improvement' : 'poor';
}

export interface LighthouseOutcome {
  facts: PerformanceFacts;
  /** Opportunities of the median run with their estimated savings, biggest first. */
  opportunities: { id: string; title: string; savingsMs: number; description: string }[];
}

/** Reads what we keep from one Lighthouse result. */
function summarise(lhr: Result, runs: number): LighthouseOutcome {
  const metrics: Record<string, number> = {};
  const vitals: PerformanceFacts['vitals'] = {};
  for (const id of METRICS) {
    const value = lhr.audits[id]?.numericValue;
    if (value === undefined) continue;
    metrics[id] = Math.round(value * (id === 'cumulative-layout-shift' ? 1000 : 1)) / (id === 'cumulative-layout-shift' ? 1000 : 1);
    const b = band(id, value);
    if (b) vitals[id] = b;
  }
  const resources: PerformanceFacts['resources'] = {};
  const items =
    (lhr.audits['resource-summary']?.details as { items?: { resourceType: string; requestCount: number; transferSize: number }[] } | undefined)?.items ?? [];
  for (const item of items) resources[item.resourceType] = { requests: item.requestCount, bytes: item.transferSize };
  const opportunities = Object.values(lhr.audits)
    .map((a) => ({ a, savings: (a.details as { overallSavingsMs?: number } | undefined)?.overallSavingsMs ?? 0 }))
    .filter(({ a, savings }) => a.details?.type === 'opportunity' && savings >= 300 && (a.score ?? 1) < 0.9)
    .sort((x, y) => y.savings - x.savings)
    .map(({ a, savings }) => ({
      id: a.id,
      title: a.title,
      savingsMs: Math.round(savings),
      description: a.description.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1'),
    }));
  return { facts: { score: Math.round((lhr.categories.performance?.score ?? 0) * 100), runs, metrics, vitals, resources }, opportunities };
}

/**
 * Lighthouse's own failures that it answers with "Please run Lighthouse again" (a lost or broken trace, a slow
 * protocol answer; more likely on a loaded machine): such a run is tried again, up to ATTEMPTS times. Failures of
 * the page itself (DNS, the document's status, not HTML) are not.
 */
const RUN_AGAIN = new Set([
  'NO_NAVSTART',
  'NO_TRACING_STARTED',
  'TRACING_ALREADY_STARTED',
  'NO_SPEEDLINE_FRAMES',
  'SPEEDINDEX_OF_ZERO',
  'NO_SCREENSHOTS',
  'INVALID_SPEEDLINE',
  'NO_DCL',
  'PARSING_PROBLEM',
  'READ_FAILED',
  'PROTOCOL_TIMEOUT',
  'CRI_TIMEOUT',
]);
const ATTEMPTS = 3;

/**
 * Runs Lighthouse `runs` times per form factor in Debian's Chromium (through the guarded proxy) and
 * keeps the median run of each, chosen as Lighthouse CI chooses it.
 */
export async function runLighthouse(ctx: AuditContext, formFactors: readonly FormFactor[], runs: number): Promise<Record<FormFactor, LighthouseOutcome>> {
  requireChromium(ctx.config.chromium);
  const proxy = await startGuardedProxy(ctx.net, notBrowserServices);
  const chrome = await launchChromium({
    path: ctx.config.chromium,
    flags: [...BASE_FLAGS, ...proxiedFlags(proxy.port, ctx.net.ca)],
    user: ctx.config.chromiumUser,
  }).catch(async (err: unknown) => {
    await proxy.close();
    throw err;
  });
  try {
    const out = {} as Record<FormFactor, LighthouseOutcome>;
    for (const formFactor of formFactors) {
      const results: Result[] = [];
      for (let i = 1; i <= runs; i++) {
        for (let attempt = 1; ; attempt++) {
          ctx.step('performance', `Lighthouse ${formFactor} run ${i} of ${runs}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
          const started = await lighthouse(
            ctx.url.href,
            { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] },
            formFactor === 'desktop' ? desktopConfig : undefined,
          );
          const lhr = started?.lhr;
          if (!lhr) throw new AppError('unavailable', 'Lighthouse returned no result');
          if (lhr.runtimeError && RUN_AGAIN.has(lhr.runtimeError.code) && attempt < ATTEMPTS) continue;
          if (lhr.runtimeError) throw new AppError('unavailable', `Lighthouse could not load ${ctx.url.href}: ${lhr.runtimeError.message}`);
          results.push(lhr);
          break;
        }
      }
      out[formFactor] = summarise(computeMedianRun(results), runs);
    }
    return out;
  } finally {
    await chrome.close();
    await proxy.close();
  }
}
