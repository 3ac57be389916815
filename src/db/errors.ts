/**
 * Whether a failed write was refused because of the rows it carried (a constraint, a trigger, a value
 * out of range) rather than because the database could not write at all (locked, unreachable, full,
 * read-only). Only in the first case can writing the rows apart get the good ones in.
 *
 * @example if (isRowError(err)) writeHalves(batch); else retryLater(batch);
 */
export function isRowError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_')) return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
  // PostgreSQL's SQLSTATE: class 22 is a data exception, 23 an integrity constraint, P0001 an exception raised by a trigger.
  return /^2[23][0-9A-Z]{3}$/.test(code) || code === 'P0001';
}
