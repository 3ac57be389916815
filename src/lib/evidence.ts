/**
 * How much of what a target sent may be kept or shown (check results and messages, delivery errors,
 * audit evidence): a short quote, never a body. A target can be an internal service reached with
 * `allowPrivateTargets`, and results are read by everyone who sees the site.
 */
export const EVIDENCE_CHARS = 64;

/**
 * A short quote of text a target sent: control characters shown as "·", cut to `max` characters
 * with "…" marking the cut.
 *
 * @example quote('{"token":"abc…"}', 10) // '{"token":…'
 */
export function quote(text: string, max = EVIDENCE_CHARS): string {
  const shown = text.replace(/\p{Cc}+/gu, '·');
  return shown.length <= max ? shown : `${shown.slice(0, max - 1)}…`;
}
