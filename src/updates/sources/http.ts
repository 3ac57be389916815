import type { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import type { SourceFetch } from './types.js';

/**
 * A source's URL as Upkeep names it (in errors, and in the knowledge it keeps): without user, password or
 * query, which may carry a mirror's credentials or a feed token (the errors reach the API's knowledge
 * status, which site readers see; the knowledge is stored unsealed).
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(an unparseable URL)';
  }
}

/** GETs (or POSTs) JSON and checks it against the documented shape; a wrong answer is named, never half-read. */
export async function fetchJson<T extends z.ZodType>(
  fetch: SourceFetch,
  url: string,
  schema: T,
  init: Parameters<SourceFetch>[1] = {},
  okStatuses: readonly number[] = [200],
): Promise<{ status: number; data: z.output<T> }> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers } });
  if (!okStatuses.includes(res.status)) throw new AppError('unavailable', `${shownUrl(url)} answered HTTP ${res.status}`);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    throw new AppError('unavailable', `${shownUrl(url)} did not answer JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('unavailable', `${shownUrl(url)} answered an unexpected shape: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? ''}`);
  }
  return { status: res.status, data: parsed.data };
}

export const trimSlash = (url: string) => url.replace(/\/+$/, '');
