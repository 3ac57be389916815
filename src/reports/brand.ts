import { PNG } from 'pngjs';
import { z } from 'zod';

const LOGO_PREFIX = 'data:image/png;base64,';
/** A logo is a mark, not a photograph: these bound what a PDF carries on every report. */
const MAX_LOGO_BYTES = 256 * 1024;
const MAX_LOGO_SIDE = 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** WCAG relative luminance of "#rrggbb". */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG contrast ratio of a colour against white (the report's paper). */
export const contrastOnWhite = (hex: string) => 1.05 / (luminance(hex) + 0.05);

/**
 * A colour the report writes headings and rules in: "#rrggbb", dark enough to read on white (WCAG AA,
 * 4.5:1), so a brand cannot make the report fail its own accessibility bar.
 */
const colour = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour is written "#rrggbb", e.g. "#1d4ed8"')
  .toLowerCase()
  .refine((s) => contrastOnWhite(s) >= 4.5, {
    error: (issue) =>
      `colour ${String(issue.input)} is too light to read on white (contrast ${contrastOnWhite(String(issue.input)).toFixed(1)}:1, needs 4.5:1)`,
  });

/**
 * Decodes a PNG data URL and writes the pixels out again as a fresh PNG: only the image survives
 * (no text chunks, no metadata, nothing a viewer might interpret), and a file that is not a PNG
 * of sensible size is refused.
 */
export function sanitizeLogo(dataUrl: string): { ok: true; value: string } | { ok: false; message: string } {
  if (!dataUrl.startsWith(LOGO_PREFIX)) return { ok: false, message: `a logo is a PNG written as a data URL ("${LOGO_PREFIX}…")` };
  const bytes = Buffer.from(dataUrl.slice(LOGO_PREFIX.length), 'base64');
  if (bytes.length > MAX_LOGO_BYTES)
    return { ok: false, message: `a logo is at most ${MAX_LOGO_BYTES / 1024} kB, this one is ${Math.ceil(bytes.length / 1024)} kB` };
  const unreadable = { ok: false, message: 'the logo is not a readable PNG image' } as const;
  // The size is read from the header (signature, then IHDR's width and height) before decoding: the
  // decoder allocates and fills every pixel the header claims, so a few bytes could hold the server for minutes.
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE) || bytes.toString('latin1', 12, 16) !== 'IHDR') return unreadable;
  const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  if (width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE)
    return { ok: false, message: `a logo is at most ${MAX_LOGO_SIDE}×${MAX_LOGO_SIDE} pixels, this one is ${width}×${height}` };
  try {
    return { ok: true, value: LOGO_PREFIX + PNG.sync.write(PNG.sync.read(bytes)).toString('base64') };
  } catch {
    return unreadable;
  }
}

const logo = z
  .string()
  .max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + LOGO_PREFIX.length + 4, `a logo is at most ${MAX_LOGO_BYTES / 1024} kB`)
  // Checked, then rewritten in place (not a one-way transform), so schedules still encode for `upkeep export` and plans.
  .superRefine((s, ctx) => {
    const out = sanitizeLogo(s);
    if (!out.ok) ctx.addIssue({ code: 'custom', message: out.message });
  })
  .overwrite((s) => {
    const out = sanitizeLogo(s);
    return out.ok ? out.value : s;
  })
  .describe(`a PNG image as a data URL (${LOGO_PREFIX}…), at most ${MAX_LOGO_BYTES / 1024} kB and ${MAX_LOGO_SIDE}×${MAX_LOGO_SIDE} pixels`);

/**
 * White label: the agency the report comes from. The logo is shown at most 48 px high.
 *
 * @example { agency: 'Acme Web', accent: '#1d4ed8', logo: 'data:image/png;base64,iVBOR…' }
 */
export const brandSchema = z
  .object({
    agency: z.string().trim().min(1).max(120),
    logo: logo.optional(),
    /** Headings and rules. */
    accent: colour.default('#1f3a5f'),
  })
  .strict();
export type Brand = z.output<typeof brandSchema>;
