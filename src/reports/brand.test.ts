import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { brandSchema, sanitizeLogo } from './brand.js';
import { reportScheduleSchema } from './schedule.schema.js';

const png = (width: number, height: number) => {
  const image = new PNG({ width, height });
  image.data.fill(90);
  return PNG.sync.write(image);
};
const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

/** A PNG with a text chunk slipped in before IEND: what a hostile or careless logo may carry. */
function withText(bytes: Buffer, text: string): Buffer {
  const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`Comment\0${text}`)]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  // pngjs checks every chunk's CRC: a real one, so the chunk is read and dropped rather than refused.
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return Buffer.concat([bytes.subarray(0, bytes.length - 12), chunk, bytes.subarray(bytes.length - 12)]);
}
describe('the brand of a report', () => {
  it('keeps only the pixels of a logo: a text chunk does not survive', () => {
    const out = sanitizeLogo(dataUrl(withText(png(8, 4), '<script>alert(1)</script>')));
    expect(out.ok).toBe(true);
    const bytes = Buffer.from((out as { value: string }).value.split(',')[1]!, 'base64');
    expect(bytes.includes(Buffer.from('script'))).toBe(false);
    expect(PNG.sync.read(bytes)).toMatchObject({ width: 8, height: 4 });
  });

  it('refuses what is not a PNG of sensible size, saying why', () => {
    expect(sanitizeLogo('data:image/svg+xml;base64,PHN2Zz4=')).toEqual({
      ok: false,
      message: expect.stringContaining('a logo is a PNG written as a data URL'),
    });
    expect(sanitizeLogo(dataUrl(Buffer.from('GIF89a not a png')))).toEqual({ ok: false, message: 'the logo is not a readable PNG image' });
    expect(sanitizeLogo(dataUrl(png(1100, 10)))).toEqual({ ok: false, message: 'a logo is at most 1024×1024 pixels, this one is 1100×10' });
  });

  it('refuses a logo whose header claims a huge image from the header alone, without decoding it', () => {
    // A few dozen bytes whose header says 100000×100000: decoding would ask for the pixels it claims.
    const bytes = png(1, 1);
    bytes.writeUInt32BE(100_000, 16);
    bytes.writeUInt32BE(100_000, 20);
    bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
    expect(sanitizeLogo(dataUrl(bytes))).toEqual({ ok: false, message: 'a logo is at most 1024×1024 pixels, this one is 100000×100000' });
  });

  it('takes dark colours and refuses those too light to read on white', () => {
    expect(brandSchema.parse({ agency: 'Acme', accent: '#1D4ED8' }).accent).toBe('#1d4ed8');
    const light = brandSchema.safeParse({ agency: 'Acme', accent: '#ffcc00' });
    expect(light.error?.issues[0]?.message).toMatch(/^colour #ffcc00 is too light to read on white \(contrast 1\.\d:1, needs 4\.5:1\)$/);
    expect(brandSchema.safeParse({ agency: 'Acme', accent: 'blue' }).error?.issues[0]?.message).toBe('a colour is written "#rrggbb", e.g. "#1d4ed8"');
  });
});

describe('a schedule with a brand', () => {
  it('encodes back to what was written (upkeep export, apply plans and the API answer it)', () => {
    const written = {
      name: 'Client A',
      team: 'Client A',
      to: ['Client A contacts'],
      brand: { agency: 'Acme Web', accent: '#1D4ED8', logo: dataUrl(png(4, 4)) },
    };
    const parsed = reportScheduleSchema.parse(written);
    expect(parsed.brand).toMatchObject({ agency: 'Acme Web', accent: '#1d4ed8' });
    expect(z.encode(reportScheduleSchema, parsed)).toMatchObject({ brand: { agency: 'Acme Web', accent: '#1d4ed8', logo: parsed.brand!.logo } });
  });
});
