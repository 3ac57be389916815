/** Kuma's loosely typed values (SQLite 0/1 and text, JSON booleans and numbers) read as what they mean. */
export const textOr = (v: unknown, fallback: string): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : fallback;
export const text = (v: unknown): string | null => (v === null || v === undefined ? null : textOr(v, ''));
export const num = (v: unknown, fallback = 0): number => (v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? fallback : Number(v));
export const nullableNum = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : num(v));
