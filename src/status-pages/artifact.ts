import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import Negotiator from 'negotiator';

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

/** What Upkeep offers, in its own order of preference when the client likes several alike. */
const OFFERED: readonly Encoding[] = ['br', 'gzip', 'identity'];
/** Accept-Encoding headers are few in practice; an unbounded cache of them would let anyone grow memory. */
const decided = new Map<string, Encoding>();

/**
 * The encoding to send for an Accept-Encoding header (RFC 9110 §12.5.3): the client's q-values first
 * (q=0 refuses a coding, also one that "*" would match), then brotli, gzip, none. An empty header, or
 * one that refuses everything, gets the bytes as they are. Decided once per header value.
 *
 * @example encodingFor('gzip, deflate, br, zstd') // 'br'; encodingFor('br;q=0, *') // 'gzip'
 */
export function encodingFor(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  let encoding = decided.get(acceptEncoding);
  if (encoding === undefined) {
    const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } });
    encoding = (negotiator.encoding(OFFERED, { preferred: OFFERED }) as Encoding | undefined) ?? 'identity';
    if (decided.size >= 256) decided.clear();
    decided.set(acceptEncoding, encoding);
  }
  return encoding;
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
