import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { toIso } from '../lib/clock.js';
import { accessOf } from './auth.js';
import { operation } from './operation.js';

/** Something a dashboard should show at once. `siteId` decides who may see it. */
export interface LiveEvent {
  type: 'monitor' | 'incident';
  siteId: number;
  data: Record<string, unknown>;
}

/** Fans live events out to every open stream. */
export class LiveHub {
  private readonly emitter = new EventEmitter();
  private readonly streams = new Set<{ end(): void }>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Ends every open stream (at shutdown: an open stream would keep the server from closing). */
  closeAll(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }

  track(stream: { end(): void }): void {
    this.streams.add(stream);
  }

  untrack(stream: { end(): void }): void {
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
 */
export function liveRoutes(app: FastifyInstance, hub: LiveHub): void {
  app.get(
    '/stream',
    {
      schema: operation({
        tag: 'live',
        summary: 'Server-sent events: monitor status and incident changes, as they happen',
        description: 'Events `monitor` and `incident`, each with JSON `data`, for the sites the caller may see; a comment every 15 s keeps the line open.',
        ok: { 200: { description: 'An endless stream of events', media: ['text/event-stream'], schema: { type: 'string' } } },
      }),
    },
    async (req, reply) => {
      const visible = await accessOf(req).visibleSites();
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
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const stream = {
        end: () => {
          clearInterval(keepAlive);
          unsubscribe();
          res.end();
        },
      };
      hub.track(stream);
      req.raw.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
        hub.untrack(stream);
      });
    },
  );
}
