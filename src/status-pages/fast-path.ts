import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { encodingFor, matches, type Artifact, type Encoding, type Representation } from './artifact.js';

type Headers = Record<string, string | number | readonly string[] | undefined>;

/** What one learned request is answered with: the artifact and every header the full route sent with it. */
interface Learned {
  /** The artifact the cache holds for this request now (undefined once it was dropped or made again). */
  current: () => Artifact | undefined;
  artifact: Artifact;
  headers: Headers;
  /** writeHead's flat header lists per encoding and status, made on first use. */
  prepared: Map<string, string[]>;
}

/** Past this many learned requests they are all forgotten (URLs are the client's to choose). */
const MAX_LEARNED = 4_096;
/** Headers that belong to one representation or one response, not to the artifact. */
const OWN = new Set(['etag', 'content-length', 'content-encoding', 'x-request-id', 'date']);

/** Everything the full route's answer for a public page depends on, besides the page itself. */
function requestKey(req: IncomingMessage): string {
  const h = req.headers;
  const tls = (req.socket as Partial<TLSSocket>).encrypted ? 's' : '';
  return `${req.url}\n${h.host}\n${String(h['x-forwarded-host'])}\n${String(h['x-forwarded-proto'])}\n${tls}`;
}

/**
 * Answers repeat requests for status pages without access rules straight from the Node request,
 * before Fastify: no request id, cookie or session parsing, no API hooks, no routing. The full route
 * serves the first request (it checks access, renders, sets the security headers and CSP) and
 * teaches this path its answer; after that the same request (URL, Host, forwarded host and protocol)
 * gets the same artifact with the same headers, for as long as the page's cache holds that very
 * artifact. Anything else (a page with a password or an address list, a miss, an encoding not made
 * yet, other methods) goes on to Fastify.
 */
export class FastPath {
  private readonly learned = new Map<string, Learned>();

  /** Called by the full route as it answers a public artifact with `headers`. */
  learn(req: IncomingMessage, current: () => Artifact | undefined, artifact: Artifact, headers: Headers): void {
    // A query string changes nothing on a page: such URLs are served by the full route and not learned.
    if (req.url?.includes('?')) return;
    if (this.learned.size >= MAX_LEARNED) this.learned.clear();
    const kept: Headers = {};
    for (const [name, value] of Object.entries(headers)) if (!OWN.has(name) && value !== undefined) kept[name] = value;
    this.learned.set(requestKey(req), { current, artifact, headers: kept, prepared: new Map() });
  }

  /** Answers the request if it was learned and its artifact is still current; false to let Fastify answer. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || this.learned.size === 0) return false;
    const key = requestKey(req);
    const learned = this.learned.get(key);
    if (!learned) return false;
    if (learned.current() !== learned.artifact) {
      this.learned.delete(key);
      return false;
    }
    const rep = learned.artifact.ready(encodingFor(req.headers['accept-encoding']));
    if (!rep) return false;
    if (matches(req.headers['if-none-match'], rep.etag)) {
      res.writeHead(304, headersOf(learned, rep, 304));
      res.end();
    } else {
      res.writeHead(200, headersOf(learned, rep, 200));
      res.end(req.method === 'HEAD' ? undefined : rep.bytes);
    }
    return true;
  }
}

function headersOf(learned: Learned, rep: Representation, status: 200 | 304): string[] {
  const id = `${rep.encoding} ${status}`;
  let flat = learned.prepared.get(id);
  if (!flat) {
    flat = [];
    for (const [name, value] of Object.entries(learned.headers)) for (const v of [value].flat()) flat.push(name, String(v));
    flat.push('etag', rep.etag);
    if (status === 200) flat.push(...representationHeaders(rep.encoding, rep.bytes.length));
    learned.prepared.set(id, flat);
  }
  return flat;
}

/** Content-Length and, when encoded, Content-Encoding. */
function representationHeaders(encoding: Encoding, length: number): string[] {
  return [...(encoding === 'identity' ? [] : ['content-encoding', encoding]), 'content-length', String(length)];
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
