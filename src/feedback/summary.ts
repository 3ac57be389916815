import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { FeedbackRepository } from './feedback.repository.js';
import { withFeedbackTables } from './tables.js';

/** What visitors said about a site over a period: reports by kind, the mean rating, the most used tags, links to incidents. */
export interface FeedbackSummary {
  reports: number;
  /** Reports saying something went wrong. */
  wentWrong: number;
  rated: number;
  /** Reports with a comment. */
  comments: number;
  /** Mean of the ratings (1–5), null when none was rated. */
  average: number | null;
  /** The five most used tags, most used first (ties by name). */
  topTags: { tag: string; reports: number }[];
  /** Reports linked to an incident. */
  linked: number;
}

/** Sums up a site's reports made in [from, to) (the monthly report's "User feedback"). */
export async function feedbackSummary(db: Kysely<Database>, siteId: number, from: number, to: number): Promise<FeedbackSummary> {
  const rows = await new FeedbackRepository(withFeedbackTables(db)).between(siteId, from, to);
  const ratings = rows.flatMap((r) => (r.rating === null ? [] : [Number(r.rating)]));
  const tags = new Map<string, number>();
  for (const r of rows) for (const tag of JSON.parse(r.tags) as string[]) tags.set(tag, (tags.get(tag) ?? 0) + 1);
  return {
    reports: rows.length,
    wentWrong: rows.filter((r) => Number(r.went_wrong) === 1).length,
    rated: ratings.length,
    comments: rows.filter((r) => r.comment.trim() !== '').length,
    average: ratings.length ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null,
    topTags: [...tags]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([tag, reports]) => ({ tag, reports })),
    linked: rows.filter((r) => r.incident_id !== null).length,
  };
}
