import type { IncomingMessage } from 'node:http';
import { openCore } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { testEnv } from './core.js';
import type { TestDatabase } from './databases.js';

/** Makes an instance-wide API token in the database before a server process starts on it. */
export async function tokenFor(db: TestDatabase, scope: 'read' | 'write' = 'write'): Promise<string> {
  const core = await openCore({ dataDir: db.dataDir, env: testEnv(db), logger: silentLogger() });
  try {
    return (await core.accounts.createToken({ name: `process ${scope}`, scope })).token;
  } finally {
    await core.close();
  }
}

export interface ApiAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each test reads the fields it asked for
}

/** A small client of a server process's API; a refused connection (the process is gone) answers status 0. */
export function apiClient(base: () => string, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    try {
      const res = await fetch(`${base()}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    } catch {
      return { status: 0, body: null };
    }
  };
}

/**
 * A loopback target that answers 200, or 503 on the paths in `down`, and keeps per path when each
 * request it answered arrived: what monitors checked, as the target saw it.
 */
export async function countingTarget(): Promise<TestServer & { served: Map<string, number[]>; count(path: string): number; down: Set<string> }> {
  const served = new Map<string, number[]>();
  const down = new Set<string>();
  const server = await startHttpServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/';
    const at = Date.now();
    res.on('finish', () => served.set(path, [...(served.get(path) ?? []), at]));
    if (down.has(path)) res.writeHead(503).end('down');
    else res.end('ok');
  });
  return Object.assign(server, { served, down, count: (path: string) => served.get(path)?.length ?? 0 });
}
