import type { Severity } from '../notify/notification.js';
import type { Counts } from './measure.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface BurnRule {
  name: 'fast' | 'medium' | 'slow';
  /** page: someone should act now; ticket: someone should look this week. */
  action: 'page' | 'ticket';
  /** How many times faster than the budget allows the errors come. */
  factor: number;
  /** The long window says the burn matters; the short one that it is still going on (so alerts stop soon after it does). */
  long: number;
  short: number;
  severity: Severity;
}

/**
 * The multi-window, multi-burn-rate rules of the SRE workbook (chapter 5): 2 % of a 30-day budget
 * spent in an hour, 5 % in six hours, 10 % in three days. Strongest first.
 */
export const burnRules: readonly BurnRule[] = [
  { name: 'fast', action: 'page', factor: 14.4, long: HOUR, short: 5 * MINUTE, severity: 'critical' },
  { name: 'medium', action: 'page', factor: 6, long: 6 * HOUR, short: 30 * MINUTE, severity: 'major' },
  { name: 'slow', action: 'ticket', factor: 1, long: 3 * DAY, short: 6 * HOUR, severity: 'minor' },
];

/** Every window the rules read, shortest first. */
export const burnWindows: readonly number[] = [...new Set(burnRules.flatMap((r) => [r.long, r.short]))].sort((a, b) => a - b);

/** The share of checks allowed to fail, from a target in percent (99.9 → 0.001). */
export const allowedErrorRate = (target: number) => 1 - target / 100;

/** How fast the budget burns over some checks: 1 spends it exactly over the period; 0 without checks. */
export function burnRate(counts: Counts, target: number): number {
  if (counts.total === 0) return 0;
  return (counts.total - counts.good) / counts.total / allowedErrorRate(target);
}

/**
 * The share of the error budget left (1: untouched, 0: spent, below 0: overspent); null without
 * checks. The budget is the failures the target allows among the checks made so far.
 */
export function budgetRemaining(counts: Counts, target: number): number | null {
  if (counts.total === 0) return null;
  return 1 - (counts.total - counts.good) / (allowedErrorRate(target) * counts.total);
}

/** The rules that fire for burn rates by window, strongest first: a rule fires when both its windows burn at its factor or faster. */
export function firedRules(rates: ReadonlyMap<number, number>): BurnRule[] {
  return burnRules.filter((r) => (rates.get(r.long) ?? 0) >= r.factor && (rates.get(r.short) ?? 0) >= r.factor);
}
