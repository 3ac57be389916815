import { createCipheriv, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import wabt from 'wabt';
import { describe, expect, it } from 'vitest';
import { ChunkSplitter, maxChunkSize } from './chunker.js';

/** restic's test polynomial (restic/chunker), degree 53. */
const pol = 0x3da3358b4dc173n;

/** 24 MiB that look random, with 10 MiB of one repeated byte in the middle (no cut there: chunks of the largest size). */
function sample(): Buffer {
  const key = createHash('sha256').update('upkeep chunker boundaries').digest();
  const data = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(24 * 1024 * 1024));
  return data.fill(7, 8 << 20, 18 << 20);
}

/** Where the chunks end when `data` arrives in pieces of `piece` bytes. */
function cuts(data: Buffer, piece: number): number[] {
  const splitter = new ChunkSplitter(pol);
  const out: number[] = [];
  let end = 0;
  for (let at = 0; at < data.length; at += piece) {
    for (const chunk of splitter.push(data.subarray(at, at + piece))) out.push((end += chunk.length));
  }
  for (const chunk of splitter.end()) out.push((end += chunk.length));
  return out;
}

describe('content-defined chunking', () => {
  // Written down from the chunker before it moved to WebAssembly (and checked against restic by
  // test/backups/restic-interop.test.ts): blobs of old snapshots keep deduplicating.
  const expected = [3357941, 4487776, 5201210, 5853619, 6563742, 7464946, 15853554, 19465410, 20017427, 20707155, 21549060, 23019706, 25165824];

  it('cuts a fixed input where it always did, the largest chunk included', () => {
    const data = sample();
    const found = cuts(data, 1024 * 1024);
    expect(found).toEqual(expected);
    expect(found[6]! - found[5]!).toBe(maxChunkSize);
  });

  it('cuts at the same places whatever the sizes of the pieces the stream arrives in', () => {
    const data = sample().subarray(0, 8 * 1024 * 1024);
    const whole = cuts(data, data.length);
    for (const piece of [1000, 64, 65, 4097, 3 * 1024 * 1024 + 1]) expect(cuts(data, piece)).toEqual(whole);
  });

  it('returns each chunk as views into the buffers it spans, copying nothing', () => {
    const data = sample();
    const splitter = new ChunkSplitter(pol);
    // Cuts at 3357941, 4487776 and 5201210 (above): the second chunk starts in the first read and ends in the second.
    const chunks = [...splitter.push(data.subarray(0, 4 << 20)), ...splitter.push(data.subarray(4 << 20, 5 << 20)), ...splitter.end()];
    expect(chunks.map((c) => c.pieces.length)).toEqual([1, 2, 1, 1]);
    expect(chunks.map((c) => c.length)).toEqual([3357941, 4487776 - 3357941, 5201210 - 4487776, (5 << 20) - 5201210]);
    for (const chunk of chunks) {
      expect(chunk.pieces.every((p) => p.buffer === data.buffer)).toBe(true);
      expect(chunk.pieces.reduce((n, p) => n + p.length, 0)).toBe(chunk.length);
    }
  });

  it('runs the WebAssembly compiled from rabin.wat (regenerate: npx vitest run src/backups/chunker -u)', async () => {
    const source = await readFile(new URL('./rabin.wat', import.meta.url), 'utf8');
    const { buffer } = (await wabt()).parseWat('rabin.wat', source).toBinary({});
    const module = [
      '// Generated from rabin.wat by chunker.test.ts (npx vitest run src/backups/chunker -u); do not edit.',
      'export const rabinWasm = Buffer.from(',
      `  '${Buffer.from(buffer).toString('base64')}',`,
      "  'base64',",
      ');',
      '',
    ].join('\n');
    await expect(module).toMatchFileSnapshot('./rabin-wasm.ts');
  });
});
