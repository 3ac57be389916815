import { Negotiator } from '@fastify/accept-negotiator';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip' | 'identity';

/** One encoding of an artifact, ready to send: its bytes and its own strong ETag. */
export interface Representation {
  encoding: Encoding;
  bytes: Buffer;
  etag: string;
}

const compress: Record<Exclude<Encoding, 'identity'>, (bytes: Buffer) => Promise<Buffer>> = {
  // Made once per change of the page and served many times: the smallest output is worth the effort.
  br: (bytes) =>
    promisify(brotliCompress)(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }),
  gzip: (bytes) => promisify(gzip)(bytes, { level: constants.Z_BEST_COMPRESSION }),
};

/** Accept-Encoding headers are few in practice; an unbounded cache of them would let anyone grow memory. */
const seen = new Map<string, Encoding | null>();
const negotiator = new Negotiator<Encoding>({
  supportedValues: ['br', 'gzip', 'identity'],
  cache: {
    get: (key) => seen.get(key) ?? undefined,
    has: (key) => seen.has(key),
    set(key, value) {
      if (seen.size >= 256) seen.clear();
      seen.set(key, value as Encoding | null);
      return this;
    },
  },
});

/** The encoding to send for an Accept-Encoding header (RFC 9110 §12.5.3, q-values included): brotli, then gzip, else none. */
export function encodingFor(acceptEncoding: string | undefined): Encoding {
  return (acceptEncoding && negotiator.negotiate(acceptEncoding)) || 'identity';
}

/** Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 §13.1.2 asks; "*" matches). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch === etag || ifNoneMatch === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * One rendering of a status page (HTML, CSS, JSON, a feed…), kept until what it shows changes. Its
 * gzip and brotli variants are made once, off the main thread, when first asked for; each encoding
 * has its own strong ETag (the identity one with a suffix), since their bytes differ. An encoding
 * that would not make the artifact smaller is answered with the identity bytes.
 */
export class Artifact {
  readonly bytes: Buffer;
  readonly etag: string;
  private readonly made = new Map<Encoding, Representation>();
  private readonly making = new Map<Encoding, Promise<Representation>>();

  constructor(
    readonly body: string,
    readonly type: string,
  ) {
    this.bytes = Buffer.from(body);
    this.etag = `"${createHash('sha256').update(this.bytes).digest('base64url').slice(0, 22)}"`;
    this.made.set('identity', { encoding: 'identity', bytes: this.bytes, etag: this.etag });
  }

  /** The representation for an encoding if it is made already (the fast path never waits). */
  ready(encoding: Encoding): Representation | undefined {
    return this.made.get(encoding);
  }

  /** The representation for an encoding, made on first use and then kept. */
  representation(encoding: Encoding): Representation | Promise<Representation> {
    const made = this.made.get(encoding);
    if (made || encoding === 'identity') return made ?? this.made.get('identity')!;
    let pending = this.making.get(encoding);
    if (!pending) {
      pending = compress[encoding](this.bytes)
        .then((bytes) => {
          // A tiny artifact can come out larger: then it is sent as it is.
          const rep: Representation =
            bytes.length < this.bytes.length ? { encoding, bytes, etag: `${this.etag.slice(0, -1)}-${encoding}"` } : this.made.get('identity')!;
          this.made.set(encoding, rep);
          return rep;
        })
        .finally(() => this.making.delete(encoding));
      this.making.set(encoding, pending);
    }
    return pending;
  }
}
