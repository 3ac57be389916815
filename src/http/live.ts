import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Access, Principal } from '../accounts/access.js';
import { toIso } from '../lib/clock.js';
import { accessOf } from './auth.js';
import { operation } from './operation.js';

/** Something a dashboard should show at once. `siteId` decides who may see it. */
export interface LiveEvent {
  type: 'monitor' | 'incident' | 'feedback';
  siteId: number;
  data: Record<string, unknown>;
}

/** An open stream: it can be ended, and asked to check its caller's access again. */
interface Stream {
  end(): void;
  recheck(): Promise<void>;
}

/** Fans live events out to every open stream (and, in a cluster, to the other nodes' streams through `relay`). */
export class LiveHub {
  private readonly emitter = new EventEmitter();
  private readonly streams = new Set<Stream>();

  constructor(private readonly relay?: (event: LiveEvent) => void) {
    this.emitter.setMaxListeners(0);
  }

  /** Ends every open stream (at shutdown: an open stream would keep the server from closing). */
  closeAll(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  /** Every open stream checks its caller's access again (after a logout, a revoked token, a role, scope or team change). */
  recheckAll(): void {
    for (const stream of this.streams) void stream.recheck();
  }

  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
    this.relay?.(event);
  }

  /** An event another node of the cluster published: to this node's streams only. */
  deliver(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }

  track(stream: Stream): void {
    this.streams.add(stream);
  }

  untrack(stream: Stream): void {
    this.streams.delete(stream);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

/**
 * `GET /api/v1/stream`: server-sent events for the dashboard — monitor status changes and incident
 * changes of the sites the caller may see, and a comment every 15 s so proxies keep the line open.
 * The caller's credentials are checked again at every account change and with every keep-alive: a
 * stream ends when they no longer hold (logout, revoked token, disabled account) and follows a new
 * reach (role, scope, teams, a site's tags).
 */
export function liveRoutes(app: FastifyInstance, hub: LiveHub, access: (principal: Principal) => Access): void {
  app.get(
    '/stream',
    {
      schema: operation({
        tag: 'live',
        summary: 'Server-sent events: monitor status and incident changes, as they happen',
        description:
          'Events `monitor`, `incident` and `feedback` (a visitor’s report arrived), each with JSON `data`, for the sites the caller may see; a comment every 15 s keeps the line open.',
        ok: { 200: { description: 'An endless stream of events', media: ['text/event-stream'], schema: { type: 'string' } } },
      }),
    },
    async (req, reply) => {
      let visible = await accessOf(req).visibleSites();
      const reauthenticate = req.reauthenticate!;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`: connected ${toIso(Date.now())}\n\n`);
      const unsubscribe = hub.subscribe((event) => {
        if (visible !== 'all' && !visible.has(event.siteId)) return;
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      });
      const stop = () => {
        clearInterval(keepAlive);
        unsubscribe();
        hub.untrack(stream);
      };
      const stream: Stream = {
        end: () => {
          stop();
          res.end();
        },
        recheck: async () => {
          try {
            visible = await access(await reauthenticate()).visibleSites();
          } catch {
            stream.end();
          }
        },
      };
      const keepAlive = setInterval(() => {
        res.write(': keep-alive\n\n');
        void stream.recheck();
      }, 15_000);
      hub.track(stream);
      req.raw.on('close', stop);
    },
  );
}
