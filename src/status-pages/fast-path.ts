import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { encodingFor, matches, type Artifact, type Encoding, type Representation } from './artifact.js';

type Headers = Record<string, string | number | readonly string[] | undefined>;

/** writeHead's flat header lists of one representation: the 200 and the 304. */
interface Blocks {
  ok: string[];
  notModified: string[];
}

/** What one learned request is answered with: the artifact and every header the full route sent with it. */
interface Learned {
  /** Besides the URL, what the full route's answer depends on (its links and the page's own URL). */
  host: string | undefined;
  forwardedHost: string | undefined;
  forwardedProto: string | undefined;
  tls: boolean;
  /** The artifact the cache holds for this request now (undefined once it was dropped or made again). */
  current: () => Artifact | undefined;
  artifact: Artifact;
  headers: Headers;
  /** Made once per encoding asked for, so a request only picks a list and hands it to writeHead. */
  blocks: Partial<Record<Encoding, Blocks>>;
}

/** Past this many learned requests they are all forgotten (URLs are the client's to choose). */
const MAX_LEARNED = 4_096;
/** Headers that belong to one representation or one response, not to the artifact. */
const OWN = new Set(['etag', 'content-length', 'content-encoding', 'x-request-id', 'date']);

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);
const isTls = (req: IncomingMessage) => (req.socket as Partial<TLSSocket>).encrypted === true;

function sameOrigin(learned: Learned, h: IncomingHttpHeaders, tls: boolean): boolean {
  return (
    learned.host === h.host &&
    learned.forwardedHost === one(h['x-forwarded-host']) &&
    learned.forwardedProto === one(h['x-forwarded-proto']) &&
    learned.tls === tls
  );
}

/**
 * Answers repeat requests for status pages without access rules straight from the Node request,
 * before Fastify: no request id, cookie or session parsing, no API hooks, no routing. The full route
 * serves the first request (it checks access, renders, sets the security headers and CSP) and
 * teaches this path its answer; after that the same request (URL, Host, forwarded host and protocol)
 * gets the same artifact with the same headers, for as long as the page's cache holds that very
 * artifact. Anything else (a page with a password or an address list, a miss, an encoding not made
 * yet, other methods) goes on to Fastify.
 *
 * A hit costs a Map lookup by URL, a few string comparisons, the Accept-Encoding decision (cached per
 * header value) and one writeHead with a header list made when the answer was learned.
 */
export class FastPath {
  /** By URL: one answer per Host and forwarded host/protocol seen for it. */
  private readonly learned = new Map<string, Learned[]>();
  private size = 0;

  /** Called by the full route as it answers a public artifact with `headers`. */
  learn(req: IncomingMessage, current: () => Artifact | undefined, artifact: Artifact, headers: Headers): void {
    // A query string changes nothing on a page: such URLs are served by the full route and not learned.
    const url = req.url;
    if (url === undefined || url.includes('?')) return;
    if (this.size >= MAX_LEARNED) this.forget();
    const kept: Headers = {};
    for (const [name, value] of Object.entries(headers)) if (!OWN.has(name) && value !== undefined) kept[name] = value;
    const h = req.headers;
    const learned: Learned = {
      host: h.host,
      forwardedHost: one(h['x-forwarded-host']),
      forwardedProto: one(h['x-forwarded-proto']),
      tls: isTls(req),
      current,
      artifact,
      headers: kept,
      blocks: {},
    };
    const list = this.learned.get(url) ?? [];
    const at = list.findIndex((l) => sameOrigin(l, h, learned.tls));
    if (at === -1) {
      list.push(learned);
      this.size++;
    } else list[at] = learned;
    this.learned.set(url, list);
  }

  /** Answers the request if it was learned and its artifact is still current; false to let Fastify answer. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.size === 0) return false;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const list = this.learned.get(req.url!);
    if (!list) return false;
    const h = req.headers;
    const tls = isTls(req);
    let learned: Learned | undefined;
    for (const l of list) if (sameOrigin(l, h, tls)) learned = l;
    if (!learned) return false;
    if (learned.current() !== learned.artifact) {
      this.drop(req.url!, list, learned);
      return false;
    }
    const encoding = encodingFor(h['accept-encoding']);
    const rep = learned.artifact.ready(encoding);
    if (!rep) return false;
    const blocks = (learned.blocks[encoding] ??= blocksOf(learned.headers, rep));
    if (matches(h['if-none-match'], rep.etag)) {
      res.writeHead(304, blocks.notModified);
      res.end();
    } else {
      res.writeHead(200, blocks.ok);
      res.end(method === 'HEAD' ? undefined : rep.bytes);
    }
    return true;
  }

  private drop(url: string, list: Learned[], learned: Learned): void {
    list.splice(list.indexOf(learned), 1);
    this.size--;
    if (!list.length) this.learned.delete(url);
  }

  private forget(): void {
    this.learned.clear();
    this.size = 0;
  }
}

/** The learned headers, the representation's ETag and, on a 200, its Content-Encoding and Content-Length. */
function blocksOf(headers: Headers, rep: Representation): Blocks {
  const common: string[] = [];
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) common.push(name, String(v));
  common.push('etag', rep.etag);
  const encoded = rep.encoding === 'identity' ? [] : ['content-encoding', rep.encoding];
  return { ok: [...common, ...encoded, 'content-length', String(rep.bytes.length)], notModified: common };
}

/**
 * The full route's end: sends an artifact in the encoding the client prefers (precompressed, see
 * `Artifact`) with that encoding's ETag, a 304 without any body work when the client has it. With
 * `fast`, the answer (every header set so far included) is taught to the fast path, which answers
 * the same request itself from then on, for as long as `current` still gives this artifact.
 */
export async function sendEncoded(
  req: FastifyRequest,
  reply: FastifyReply,
  artifact: Artifact,
  fast?: { path: FastPath | undefined; current: () => Artifact | undefined },
) {
  reply.type(artifact.type);
  fast?.path?.learn(req.raw, fast.current, artifact, { ...reply.raw.getHeaders(), ...reply.getHeaders() });
  const rep = await artifact.representation(encodingFor(req.headers['accept-encoding']));
  reply.header('etag', rep.etag);
  if (matches(req.headers['if-none-match'], rep.etag)) return reply.status(304).send();
  if (rep.encoding !== 'identity') reply.header('content-encoding', rep.encoding);
  return reply.send(rep.bytes);
}
