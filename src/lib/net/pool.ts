import type { Socket } from 'node:net';
import { Client } from 'undici';
import type { GuardedConnection } from './connect.js';
import { NetError } from './errors.js';

/** One guarded socket wrapped in an undici Client, lent to one request at a time. */
export interface PooledConnection {
  readonly key: string;
  readonly client: Client;
  readonly connection: GuardedConnection;
  alive: boolean;
  /** True once it has served a request: a failure before any response may then be a stale keep-alive. */
  reused: boolean;
}

/**
 * Keep-alive for the guarded client. Every socket in it was opened by our own connect to an address
 * that passed the policy, and the key names that exact address (plus TLS name and trust settings),
 * so a request reuses a connection only after its own fresh resolution and check chose the same
 * address: reuse saves handshakes, never a check.
 *
 * Each undici Client gets exactly one socket through its `connect` hook and can never dial again:
 * if that socket closes, the Client is dropped, so undici's own reconnect logic cannot reach an
 * address we did not check.
 */
export class ConnectionPool {
  readonly #idle = new Map<string, PooledConnection[]>();
  #idleCount = 0;

  constructor(
    readonly maxIdle = 256,
    readonly keepAliveMs = 4000,
  ) {}

  get idleCount(): number {
    return this.#idleCount;
  }

  take(key: string): PooledConnection | undefined {
    const list = this.#idle.get(key);
    const found = list?.pop();
    if (!found) return undefined;
    this.#idleCount--;
    if (list?.length === 0) this.#idle.delete(key);
    found.reused = true;
    return found;
  }

  adopt(key: string, connection: GuardedConnection, origin: string, maxHeaderBytes: number): PooledConnection {
    let socket: Socket | null = connection.socket;
    const client = new Client(origin, {
      // undici calls this from inside its dispatch loop and ignores a synchronous answer (its loop is
      // still running), so the answer comes a microtask later, as a real connector's would.
      connect: (_opts, callback) => {
        const handed = socket;
        socket = null;
        queueMicrotask(() => {
          if (handed && !handed.destroyed) callback(null, handed);
          else callback(new NetError('reset', `keep-alive connection to ${origin} was closed`), null);
        });
      },
      pipelining: 1,
      maxHeaderSize: maxHeaderBytes,
      // The request's Deadline is the only clock; undici's own timers would be a second one.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: this.keepAliveMs,
      keepAliveMaxTimeout: this.keepAliveMs,
    });
    const pooled: PooledConnection = { key, client, connection, alive: true, reused: false };
    client.once('disconnect', () => this.discard(pooled));
    client.once('connectionError', () => this.discard(pooled));
    return pooled;
  }

  /** Returns a connection after a complete response; it is kept only while alive and under the cap. */
  release(pooled: PooledConnection): void {
    // After "connection: close" undici has already destroyed the socket, before 'disconnect' is emitted.
    const closing = pooled.connection.socket.destroyed;
    if (closing || !pooled.alive || this.#idleCount >= this.maxIdle) return this.discard(pooled);
    const list = this.#idle.get(pooled.key);
    if (list) list.push(pooled);
    else this.#idle.set(pooled.key, [pooled]);
    this.#idleCount++;
  }

  discard(pooled: PooledConnection): void {
    if (!pooled.alive) return;
    pooled.alive = false;
    const list = this.#idle.get(pooled.key);
    const at = list?.indexOf(pooled) ?? -1;
    if (list && at >= 0) {
      list.splice(at, 1);
      this.#idleCount--;
      if (list.length === 0) this.#idle.delete(pooled.key);
    }
    pooled.client.destroy().catch(() => undefined);
  }

  /** Closes every idle connection, for shutdown and between tests. */
  closeIdle(): void {
    for (const list of [...this.#idle.values()]) for (const pooled of [...list]) this.discard(pooled);
  }
}
