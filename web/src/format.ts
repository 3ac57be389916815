/** "3 min ago", "in 2 h": relative to now. */
export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const ms = Date.now() - Date.parse(iso);
  const future = ms < 0;
  const m = Math.round(Math.abs(ms) / 60_000);
  const text = m < 1 ? 'moments' : m < 120 ? `${m} min` : m < 48 * 60 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} days`;
  if (m < 1) return future ? 'in moments' : 'just now';
  return future ? `in ${text}` : `${text} ago`;
}

/** A local date and time, short. */
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v >= 99.995 ? '100' : v.toFixed(2)} %`);
export const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);

/** "1h 5m" from seconds. */
export function span(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}
