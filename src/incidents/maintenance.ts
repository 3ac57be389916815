import { Cron } from 'croner';
import rrule from 'rrule';
import { wallClock, zonedToUtc } from '../lib/time.js';
import type { MaintenanceSpec } from './incidents.schema.js';

export interface Occurrence {
  start: number;
  end: number;
}

const DAY = 86_400_000;
/** RRULE occurrences are generated on the wall clock (floating), from this origin, then placed in the window's time zone. */
const FLOATING_ORIGIN = Date.UTC(2000, 0, 1);

function rruleOf(text: string): rrule.RRule {
  const options = rrule.RRule.parseString(text.replace(/^RRULE:/i, ''));
  return new rrule.RRule({ ...options, dtstart: options.dtstart ?? new Date(FLOATING_ORIGIN) });
}

/** Every occurrence of a window that overlaps [from, to), in time order. */
export function occurrences(spec: MaintenanceSpec, from: number, to: number): Occurrence[] {
  if (spec.start && spec.end) {
    const start = Date.parse(spec.start);
    const end = Date.parse(spec.end);
    return start < to && end > from ? [{ start, end }] : [];
  }
  const length = spec.duration!;
  const out: Occurrence[] = [];
  if (spec.cron) {
    const cron = new Cron(spec.cron, { timezone: spec.timezone, paused: true });
    for (let next = cron.nextRun(new Date(from - length - 1)); next && next.getTime() < to; next = cron.nextRun(next)) {
      const start = next.getTime();
      if (start + length > from) out.push({ start, end: start + length });
      if (out.length > 10_000) break;
    }
    return out;
  }
  for (const start of rruleStarts(spec.rrule!, spec.timezone, from - length, to)) if (start + length > from) out.push({ start, end: start + length });
  return out;
}

/**
 * The starts in [from, to) of an RRULE read on the wall clock of `timezone` ("every Monday at 09:00"
 * stays 09:00 local across daylight-saving changes). Shared by maintenance windows and routines.
 */
export function rruleStarts(text: string, timezone: string, from: number, to: number): number[] {
  // Generated a day wider on each side: wall clocks differ from UTC by up to 14 hours.
  const rule = rruleOf(text);
  return rule
    .between(new Date(wallClock(from, timezone) - DAY), new Date(wallClock(to, timezone) + DAY), true)
    .map((wall) => zonedToUtc(wall.getTime(), timezone))
    .filter((start) => start >= from && start < to);
}

/** The occurrence of a window that covers `at`, if any. */
export function activeAt(spec: MaintenanceSpec, at: number): Occurrence | undefined {
  return occurrences(spec, at, at + 1).find((o) => o.start <= at && at < o.end);
}

/** What a window is matched against: a monitor's site, its "Site/Monitor" key, and its and its site's tags. */
export interface Covered {
  site: string;
  key: string;
  tags: readonly string[];
}

export function covers(spec: MaintenanceSpec, target: Covered): boolean {
  return Boolean(spec.sites?.includes(target.site) || spec.monitors?.includes(target.key) || spec.tags?.some((t) => target.tags.includes(t)));
}

/** How far ahead `nextChange` looks; with no begin or end that soon, it answers this far ahead (to look again then). */
const HORIZON = DAY;

type Active = { name: string; spec: MaintenanceSpec; occurrence: Occurrence };

/**
 * The windows in force. The monitoring engine asks which windows cover a monitor when a window
 * begins or ends (`nextChange`) and for new or changed monitors, so the active windows are worked
 * out once for the span until the next change and each question is then a few set lookups.
 */
export class MaintenanceCalendar {
  private windows: { name: string; spec: MaintenanceSpec }[] = [];
  /** The windows active from `from` until the next change. */
  private span: { from: number; until: number; active: Active[] } | undefined;

  set(windows: { name: string; spec: MaintenanceSpec }[]): void {
    this.windows = windows;
    this.span = undefined;
  }

  activeWindows(at: number): Active[] {
    const span = this.span;
    if (span && span.from <= at && at < span.until) return span.active;
    const active = this.windows.flatMap((w) => {
      const occurrence = activeAt(w.spec, at);
      return occurrence ? [{ ...w, occurrence }] : [];
    });
    this.span = { from: at, until: this.nextChange(at), active };
    return active;
  }

  /**
   * The first time after `at` when a window begins or ends (DST included: occurrences are placed in
   * each window's time zone); `at` + a day when none does by then; Infinity without windows.
   */
  nextChange(at: number): number {
    if (!this.windows.length) return Infinity;
    let next = at + HORIZON;
    for (const w of this.windows)
      for (const o of occurrences(w.spec, at, next)) {
        if (o.start > at) next = Math.min(next, o.start);
        else if (o.end > at) next = Math.min(next, o.end);
      }
    return next;
  }

  /** The window covering a monitor at `at`, if any. */
  windowFor(target: Covered, at: number): string | undefined {
    return this.activeWindows(at).find((w) => covers(w.spec, target))?.name;
  }

  /** Occurrences of every window between `from` and `to`, soonest first (for the API and status pages). */
  upcoming(from: number, to: number): Active[] {
    return this.windows
      .flatMap((w) => occurrences(w.spec, from, to).map((occurrence) => ({ ...w, occurrence })))
      .sort((a, b) => a.occurrence.start - b.occurrence.start);
  }
}
