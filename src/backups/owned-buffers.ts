/**
 * Buffers that own all of their memory: never a view into Node's shared 8 KiB pool or into another
 * buffer. Only such a buffer can be handed to another thread without a copy (a transfer detaches the
 * whole memory, which would break every other view into it).
 */
export function ownedConcat(pieces: readonly Uint8Array[], size: number): Buffer {
  return joinInto(pieces, Buffer.allocUnsafeSlow(size));
}

/** `pieces` one after the other at the start of `out` (which is long enough); the part of `out` they fill. */
export function joinInto(pieces: readonly Uint8Array[], out: Buffer): Buffer {
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out.subarray(0, at);
}

/** Memory whose holder promised not to touch it after passing it on. */
const movable = new WeakSet<ArrayBufferLike>();

/** A new buffer its holder will not use after passing it on (a file read). */
export function movableBuffer(size: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(size);
  movable.add(buf.buffer);
  return buf;
}

/** What to send to another thread: `view` itself when it is movable and whole (the mark is used up), else a copy. */
export function forTransfer(view: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer;
  return whole && movable.delete(view.buffer) ? (view as Uint8Array<ArrayBuffer>) : new Uint8Array(view);
}
