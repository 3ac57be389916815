import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface VisualDiff {
  width: number;
  height: number;
  differentPixels: number;
  /** differentPixels over all pixels compared. */
  ratio: number;
  /** A PNG with the differences in red over a faded copy of the first image. */
  diff: Buffer;
}

/** Both images on one canvas of the larger size; what one lacks is filled with a color the other cannot match. */
function onCanvas(png: PNG, width: number, height: number, fill: [number, number, number]): Buffer {
  const out = Buffer.alloc(width * height * 4);
  for (let i = 0; i < out.length; i += 4) out.set([...fill, 255], i);
  for (let y = 0; y < png.height; y++) png.data.copy(out, y * width * 4, y * png.width * 4, (y + 1) * png.width * 4);
  return out;
}

/**
 * Compares two screenshots pixel by pixel (pixelmatch, anti-aliasing ignored). Masked regions are
 * copied from the first image into the second, so nothing in them counts; a page that grew or
 * shrank counts the area only one of them has as different.
 *
 * @example const d = compareScreenshots(before, after, { threshold: 0.1, masks: [] }); d.ratio <= 0.01
 */
export function compareScreenshots(before: Buffer, after: Buffer, options: { threshold: number; masks: readonly Region[] }): VisualDiff {
  const a = PNG.sync.read(before);
  const b = PNG.sync.read(after);
  const width = Math.max(a.width, b.width);
  const height = Math.max(a.height, b.height);
  const first = onCanvas(a, width, height, [255, 0, 255]);
  const second = onCanvas(b, width, height, [0, 255, 0]);
  for (const m of options.masks) {
    const x0 = Math.max(0, Math.floor(m.x));
    const x1 = Math.min(width, Math.ceil(m.x + m.width));
    for (let y = Math.max(0, Math.floor(m.y)); y < Math.min(height, Math.ceil(m.y + m.height)); y++) {
      if (x1 > x0) first.copy(second, (y * width + x0) * 4, (y * width + x0) * 4, (y * width + x1) * 4);
    }
  }
  const diff = new PNG({ width, height });
  const differentPixels = pixelmatch(first, second, diff.data, width, height, { threshold: options.threshold });
  return { width, height, differentPixels, ratio: differentPixels / (width * height), diff: PNG.sync.write(diff) };
}
