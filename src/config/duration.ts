import { z } from 'zod';

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const durationPattern = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const partPattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses `30s`, `5m`, `2h`, `1d`, `1h30m`, `500ms` into milliseconds; `undefined` when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!durationPattern.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(partPattern)) {
    total += Number(amount) * unitMs[unit as keyof typeof unitMs];
  }
  return Math.round(total);
}

/** Writes milliseconds back in the shortest exact form: 90000 → `90s`, 3600000 → `1h`, 5400000 → `90m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % unitMs[unit] === 0) return `${ms / unitMs[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** How a value that is not what was expected is named in an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  return typeof value;
}

/** The written form; its description says the bounds, which JSON Schema cannot (they are of the time, not of the text). */
const durationText = (limits: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? undefined : `expected a duration like "30s" or "5m", got ${describeValue(issue.input)}`) })
    .meta({ pattern: durationPattern.source, description: `A duration like "30s", "5m", "2h" or "1d", ${limits}.` });

/**
 * A duration field of the config and the API: written as `"30s"`, held as milliseconds. It is a zod
 * codec, so `z.encode` turns stored milliseconds back into the written form for `upkeep export` and
 * API answers.
 *
 * @example z.object({ interval: duration({ min: 1_000 }).prefault('60s') })
 */
export function duration(bounds: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  const limits = max === Number.MAX_SAFE_INTEGER ? `at least ${formatDuration(min)}` : `between ${formatDuration(min)} and ${formatDuration(max)}`;
  return z.codec(durationText(limits), z.number().int().min(min).max(max), {
    decode: (text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.issues.push({ code: 'custom', input: text, message: `expected a duration like "30s" or "5m", got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.issues.push({ code: 'custom', input: text, message: `expected a duration ${limits}, got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return ms;
    },
    encode: (ms) => formatDuration(ms),
  });
}
