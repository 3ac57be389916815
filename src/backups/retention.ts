import { z } from 'zod';
import { duration } from '../config/duration.js';
import type { Snapshot } from './repository/snapshots.js';

/** restic's `forget` policy; counts are how many buckets (hours, days, …) keep their newest snapshot. */
export const retentionSchema = z
  .object({
    keepLast: z.number().int().min(0).optional(),
    keepHourly: z.number().int().min(0).optional(),
    keepDaily: z.number().int().min(0).optional(),
    keepWeekly: z.number().int().min(0).optional(),
    keepMonthly: z.number().int().min(0).optional(),
    keepYearly: z.number().int().min(0).optional(),
    /** Written `"3d"`, held in milliseconds: keep everything this much younger than the group's newest snapshot. */
    keepWithin: duration().optional(),
    keepTags: z.array(z.string()).optional(),
  })
  .strict();
export type RetentionPolicy = z.output<typeof retentionSchema>;

export interface ForgetGroup {
  host: string;
  paths: string[];
  keep: { snapshot: Snapshot; reasons: string[] }[];
  remove: Snapshot[];
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** ISO 8601 week (year-week), as Go's Time.ISOWeek gives it. */
function isoWeek(d: Date): string {
  const day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const weekday = (day.getDay() + 6) % 7;
  day.setDate(day.getDate() - weekday + 3);
  const firstThursday = new Date(day.getFullYear(), 0, 4);
  const week = 1 + Math.round(((day.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getDay() + 6) % 7)) / 7);
  return `${day.getFullYear()}-W${pad(week)}`;
}

const buckets = {
  hourly: (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}`,
  daily: (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
  weekly: isoWeek,
  monthly: (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}`,
  yearly: (d: Date) => `${d.getFullYear()}`,
} as const;

function isEmpty(policy: RetentionPolicy): boolean {
  return Object.values(policy).every((v) => v === undefined || v === 0 || (Array.isArray(v) && v.length === 0));
}

/**
 * Decides which snapshots a policy keeps, group by group (host and paths), exactly as `restic forget`:
 * newest first, each rule keeps the newest snapshot of each of its last N buckets. An empty policy
 * keeps everything rather than deleting everything.
 *
 * @example applyRetention(snapshots, { keepDaily: 7, keepWeekly: 4 })
 */
export function applyRetention(snapshots: readonly Snapshot[], policy: RetentionPolicy): ForgetGroup[] {
  const groups = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    const key = JSON.stringify([s.hostname ?? '', [...s.paths].sort()]);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((members) => decideGroup(members, policy));
}

function decideGroup(members: Snapshot[], policy: RetentionPolicy): ForgetGroup {
  const newestFirst = [...members].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  const group: ForgetGroup = { host: newestFirst[0]?.hostname ?? '', paths: newestFirst[0]?.paths ?? [], keep: [], remove: [] };
  if (isEmpty(policy)) {
    group.keep = newestFirst.map((snapshot) => ({ snapshot, reasons: ['no policy'] }));
    return group;
  }
  let position = 0;
  const rules: { name: string; left: number; bucket: (d: Date) => string; last?: string }[] = [
    { name: 'last', left: policy.keepLast ?? 0, bucket: () => String(position++) },
    { name: 'hourly', left: policy.keepHourly ?? 0, bucket: buckets.hourly },
    { name: 'daily', left: policy.keepDaily ?? 0, bucket: buckets.daily },
    { name: 'weekly', left: policy.keepWeekly ?? 0, bucket: buckets.weekly },
    { name: 'monthly', left: policy.keepMonthly ?? 0, bucket: buckets.monthly },
    { name: 'yearly', left: policy.keepYearly ?? 0, bucket: buckets.yearly },
  ];
  const newest = Date.parse(newestFirst[0]?.time ?? '0');
  for (const snapshot of newestFirst) {
    const time = new Date(snapshot.time);
    const reasons: string[] = [];
    if (policy.keepTags?.some((tag) => snapshot.tags?.includes(tag))) reasons.push('tag');
    if (policy.keepWithin !== undefined && newest - time.getTime() <= policy.keepWithin) reasons.push('within');
    for (const rule of rules) {
      if (rule.left <= 0) continue;
      const bucket = rule.bucket(time);
      if (bucket === rule.last) continue;
      rule.last = bucket;
      rule.left -= 1;
      reasons.push(rule.name);
    }
    if (reasons.length > 0) group.keep.push({ snapshot, reasons });
    else group.remove.push(snapshot);
  }
  return group;
}
