import { z } from 'zod';

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `"30s"`, `"5m"`, `"2h"`, `"7d"`, `"2w"` → milliseconds; anything else is a config error. */
export const durationField = z.string().transform((text, ctx) => {
  const match = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", "5m", "2h" or "7d", got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
});
