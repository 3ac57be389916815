import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Core } from '../../src/app.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ProbeClient, type ProbeClientOptions } from '../../src/probes/client.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

export interface ProbeWorld {
  core: Core;
  server: TestApp;
  /** Where the server listens, for probes. */
  origin: string;
  /** An admin's API token. */
  headers: Record<string, string>;
  makeProbe(name: string, location: string): Promise<{ id: number; token: string }>;
  /** A probe client (not started) with quick polls and sends; stopped by `close`. */
  probeClient(token: string, location: string, at?: string, options?: Partial<ProbeClientOptions>): ProbeClient;
  close(): Promise<void>;
}

/** A listening server with `locations` declared, on a new database of `dialect`, and its probes. */
export async function probeWorld(dialect: TestDatabase['dialect'], locations: string[]): Promise<ProbeWorld> {
  const db = await createTestDatabase(dialect);
  const core = await openTestCore(db);
  const server = await testServer(core, { locations });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'admin', scope: 'write' })).token}` };
  const clients: ProbeClient[] = [];
  return {
    core,
    server,
    origin,
    headers,
    async makeProbe(name, location) {
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/probes', headers, payload: { name, location } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: number; token: string }>();
    },
    probeClient(token, location, at = origin, options = {}) {
      const client = new ProbeClient({
        server: at,
        token,
        location,
        version: '9.9.9',
        clock: systemClock,
        log: silentLogger(),
        allowPrivateTargets: true,
        pollMs: 300,
        sendMs: 200,
        ...options,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) await c.stop();
      await server.close();
      await core.close();
      await db.cleanup();
    },
  };
}
