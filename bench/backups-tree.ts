import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * The backup bench's source: a website-like tree made the same way on every run (seeded). 300 MiB that
 * does not compress (media and uploads, like images and archives) and 210 MiB of text that does
 * (logs, pages, code: words from a small vocabulary, about 3× with zstd).
 */
const MiB = 1024 * 1024;

/** Deterministic bytes that look random to any compressor: AES-CTR's keystream under a key derived from `seed`. */
function randomish(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

const vocabulary = (
  'the a of to and in is for on with that this from by at as be are was it or an not have has will can page site user ' +
  'request response error warning info debug cache session order product price cart checkout customer account login ' +
  'image upload theme plugin update backup monitor status uptime certificate domain server database query table index ' +
  'function return const let var if else while for class import export default async await promise string number true false'
).split(' ');

/** Text lines of seeded words (xorshift32), with timestamps and numbers as logs and pages have. */
function text(seed: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size + 256);
  let x = seed | 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  let at = 0;
  while (at < size) {
    at += out.write(`2024-${String((next() % 12) + 1).padStart(2, '0')}-${String((next() % 28) + 1).padStart(2, '0')} ${next() % 100000} `, at, 'latin1');
    for (let words = 6 + (next() % 12); words > 0; words--) at += out.write(`${vocabulary[next() % vocabulary.length]!} `, at, 'latin1');
    out[at++] = 0x0a;
  }
  return out.subarray(0, size);
}

/** Writes the tree below `root`; returns its size in bytes and its number of files. */
export async function makeBenchTree(root: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const put = async (path: string, data: Buffer): Promise<void> => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), data);
    bytes += data.length;
    files += 1;
  };
  for (let i = 0; i < 20; i++) await put(`media/video-${i}.mp4`, randomish(`media ${i}`, 10 * MiB));
  for (let i = 0; i < 100; i++) await put(`uploads/${2020 + (i % 5)}/photo-${i}.jpg`, randomish(`upload ${i}`, MiB));
  for (let i = 0; i < 10; i++) await put(`logs/access-${i}.log`, text(i + 1, 10 * MiB));
  for (let i = 0; i < 1100; i++) await put(`www/${i % 40}/page-${i}.php`, text(1000 + i, 100 * 1024));
  return { bytes, files };
}

/** Files whose bytes differ between two trees (or are missing from `copy`), by relative path. */
export async function differingFiles(original: string, copy: string, dir = original): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await differingFiles(original, copy, path)));
    else {
      const theirs = await readFile(join(copy, relative(original, path))).catch(() => undefined);
      if (!theirs?.equals(await readFile(path))) out.push(relative(original, path));
    }
  }
  return out;
}

/** Total size of the files below `dir`. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await treeSize(path) : (await stat(path)).size;
  }
  return total;
}
