import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResolver } from '../../src/lib/net/index.js';
import type { DeliveryContext } from '../../src/notify/notification.js';

export interface Recorded {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  // A provider's JSON is whatever shape the test asserts, as with Fastify's inject().json().
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: () => any;
  form: () => Record<string, string>;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
}

export interface MockProvider {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: Recorded[];
  /** How the next requests are answered (default: 200 "ok"). */
  answer(fn: (req: Recorded) => Answer): void;
  close(): Promise<void>;
}

/** A real HTTP server on loopback standing in for a provider's API; it records what it was sent. */
export async function mockProvider(): Promise<MockProvider> {
  const requests: Recorded[] = [];
  let answer: (req: Recorded) => Answer = () => ({ status: 200, body: 'ok' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json: () => JSON.parse(body),
        form: () => Object.fromEntries(new URLSearchParams(body)),
      };
      requests.push(recorded);
      const { status, headers = {}, body: out = '' } = answer(recorded);
      const text = typeof out === 'string' ? out : JSON.stringify(out);
      res.writeHead(status, { 'content-type': typeof out === 'string' ? 'text/plain' : 'application/json', ...headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (fn) => (answer = fn),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A delivery context for loopback tests: private targets allowed, a short deadline. */
export function testContext(overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return {
    policy: { allowPrivate: true },
    resolver: createResolver({ timeoutMs: 1000, tries: 1 }),
    signal: new AbortController().signal,
    deadlineMs: 5000,
    ...overrides,
  };
}
