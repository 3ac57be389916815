import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import { newMasterKey, open, sha256Hex } from '../crypto.js';
import { PackWriter, parsePackHeader, targetPackSize } from './pack.js';

describe('pack files', () => {
  it('hold each blob sealed where the header says, compressed only when that helps, and grow past their first room', () => {
    const key = newMasterKey();
    const writer = new PackWriter(key, true);
    const text = Buffer.from('<p>a page of the shop</p>\n'.repeat(40_000));
    // Past the pack's first room (a full pack and one largest chunk): the buffer grows and keeps what was written.
    const blobs = [text, randomBytes(5 * 1024 * 1024), ...Array.from({ length: 4 }, () => randomBytes(8 * 1024 * 1024)), Buffer.from('tiny')];
    for (const blob of blobs) writer.add('data', sha256Hex(blob), blob);
    expect(writer.byteLength).toBeGreaterThan(targetPackSize + 8 * 1024 * 1024);
    const { id, bytes, blobs: written } = writer.finish();

    expect(id).toBe(sha256Hex(bytes));
    const header = parsePackHeader(key, bytes, bytes.length);
    expect(header).toEqual(written);
    expect(header.map((b) => b.uncompressedLength !== undefined)).toEqual([true, false, false, false, false, false, false]);
    for (const [i, entry] of header.entries()) {
      const plain = open(key, bytes.subarray(entry.offset, entry.offset + entry.length));
      expect((entry.uncompressedLength === undefined ? plain : decompress(plain)).equals(blobs[i]!), `blob ${i}`).toBe(true);
      expect(entry.id).toBe(sha256Hex(blobs[i]!));
    }
  });

  it('store blobs plainly in a repository without compression', () => {
    const key = newMasterKey();
    const writer = new PackWriter(key, false);
    const text = Buffer.from('x'.repeat(10_000));
    writer.add('tree', sha256Hex(text), text);
    const { bytes } = writer.finish();
    const [entry] = parsePackHeader(key, bytes, bytes.length);
    expect(entry).toMatchObject({ type: 'tree', offset: 0, length: 10_000 + 32 });
    expect(entry!.uncompressedLength).toBeUndefined();
    expect(open(key, bytes.subarray(0, entry!.length)).equals(text)).toBe(true);
  });
});
