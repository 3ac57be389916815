import { compress } from 'zstd-napi';
import { AppError } from '../../lib/errors.js';
import { maxChunkSize } from '../chunker/chunker.js';
import { cryptoOverhead, open, sealInto, sha256Hex, type MasterKey } from '../crypto.js';
import { compressionLevel, type BlobType } from './format.js';

export interface PackedBlob {
  id: string;
  type: BlobType;
  offset: number;
  /** Length of the encrypted blob inside the pack. */
  length: number;
  /** Plaintext length, present only when the blob is stored compressed. */
  uncompressedLength?: number;
}

const entrySize = 1 + 4 + 32;
const compressedEntrySize = entrySize + 4;
/** restic 0.14's default pack size; bigger packs mean fewer files and fewer requests to the backend. */
export const targetPackSize = 16 * 1024 * 1024;

/** A pack file ready for upload. */
export interface FinishedPack {
  id: string;
  bytes: Buffer;
  blobs: readonly PackedBlob[];
}

/** Room a pack is started with: a full pack and one largest chunk more. Untouched memory costs no RAM. */
const initialCapacity = targetPackSize + maxChunkSize + 1024 * 1024;

/**
 * Collects blobs of one type into a pack: `blob… || sealed header || header length (u32 LE)`. Each blob
 * is compressed (when `compression` is on and it helps: the format lets plain and compressed blobs mix)
 * and encrypted straight into the pack's one buffer, which is handed over whole at the end. Synchronous,
 * so the backup's worker threads run it in parallel.
 */
export class PackWriter {
  readonly blobs: PackedBlob[] = [];
  private buffer = Buffer.allocUnsafeSlow(initialCapacity);
  private size = 0;

  constructor(
    private readonly key: MasterKey,
    private readonly compression: boolean,
  ) {}

  get byteLength(): number {
    return this.size;
  }

  add(type: BlobType, id: string, plaintext: Uint8Array): PackedBlob {
    let body = plaintext;
    let uncompressedLength: number | undefined;
    if (this.compression) {
      const packed = compress(plaintext, { compressionLevel });
      if (packed.length < plaintext.length) [body, uncompressedLength] = [packed, plaintext.length];
    }
    const blob: PackedBlob = {
      id,
      type,
      offset: this.size,
      length: body.length + cryptoOverhead,
      ...(uncompressedLength === undefined ? {} : { uncompressedLength }),
    };
    sealInto(this.key, body, this.take(blob.length));
    this.blobs.push(blob);
    return blob;
  }

  /** The finished pack file, its storage id and its blobs; the bytes view memory of their own, so a worker can hand them over. */
  finish(): FinishedPack {
    const header = Buffer.alloc(this.blobs.reduce((n, b) => n + (b.uncompressedLength === undefined ? entrySize : compressedEntrySize), 0));
    let at = 0;
    for (const blob of this.blobs) {
      const compressed = blob.uncompressedLength !== undefined;
      at = header.writeUInt8((blob.type === 'tree' ? 1 : 0) | (compressed ? 2 : 0), at);
      at = header.writeUInt32LE(blob.length, at);
      if (compressed) at = header.writeUInt32LE(blob.uncompressedLength!, at);
      at += Buffer.from(blob.id, 'hex').copy(header, at);
    }
    sealInto(this.key, header, this.take(header.length + cryptoOverhead));
    this.take(4).writeUInt32LE(header.length + cryptoOverhead);
    const bytes = this.buffer.subarray(0, this.size);
    return { id: sha256Hex(bytes), bytes, blobs: this.blobs };
  }

  /** The next `length` bytes of the pack, growing it when they do not fit. */
  private take(length: number): Buffer {
    if (this.size + length > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.buffer.length, this.size + length));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
    }
    this.size += length;
    return this.buffer.subarray(this.size - length, this.size);
  }
}

/** Reads a pack's blob list from its sealed header (`tail` = the last bytes of the pack, header included). */
export function parsePackHeader(key: MasterKey, tail: Buffer, packSize: number): PackedBlob[] {
  const headerLength = tail.readUInt32LE(tail.length - 4);
  if (headerLength + 4 > tail.length || headerLength < cryptoOverhead) throw new AppError('invalid_input', 'pack header length is out of range');
  const header = open(key, tail.subarray(tail.length - 4 - headerLength, tail.length - 4));
  const blobs: PackedBlob[] = [];
  let offset = 0;
  for (let at = 0; at < header.length;) {
    const kind = header.readUInt8(at);
    if (kind > 3) throw new AppError('invalid_input', `unknown blob type ${kind} in pack header`);
    const length = header.readUInt32LE(at + 1);
    const compressed = (kind & 2) !== 0;
    const uncompressedLength = compressed ? header.readUInt32LE(at + 5) : undefined;
    const idAt = at + (compressed ? 9 : 5);
    const id = header.subarray(idAt, idAt + 32).toString('hex');
    blobs.push({ id, type: kind & 1 ? 'tree' : 'data', offset, length, ...(uncompressedLength === undefined ? {} : { uncompressedLength }) });
    offset += length;
    at = idAt + 32;
  }
  if (offset + headerLength + 4 !== packSize) throw new AppError('invalid_input', 'pack header does not describe the whole pack');
  return blobs;
}

/** The longest header we read in one go when only a pack's tail is fetched. */
export const packTailGuess = 16 * 1024;
