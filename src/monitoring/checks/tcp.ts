import type { Socket } from 'node:net';
import { quote } from '../../lib/evidence.js';
import { connectTarget, ms, type CheckType } from './check.js';

const MAX_READ = 64 * 1024;

/**
 * Reads until `expected` appears, the peer closes, the cap is reached, or the deadline passes. What
 * came is only matched, never kept: the answer says whether it matched and how many bytes came.
 */
function readUntil(socket: Socket, expected: string, deadlineAt: number, signal: AbortSignal): Promise<{ found: boolean; bytes: number; reason: string }> {
  return new Promise((resolve) => {
    let text = '';
    let bytes = 0;
    const finish = (found: boolean, reason: string) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      signal.removeEventListener('abort', onAbort);
      resolve({ found, bytes, reason });
    };
    const onAbort = () => finish(false, 'the check was stopped');
    const timer = setTimeout(() => finish(false, 'no such answer before the timeout'), Math.max(0, deadlineAt - Date.now()));
    signal.addEventListener('abort', onAbort);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      text += chunk.toString('utf8');
      if (text.includes(expected)) finish(true, '');
      else if (text.length >= MAX_READ) finish(false, `not in the first ${MAX_READ / 1024} kB of the answer`);
    });
    socket.once('end', () => finish(text.includes(expected), 'the server closed the connection first'));
    socket.once('error', () => finish(false, 'the connection failed while reading'));
  });
}

/** Connects (optionally over TLS), optionally sends a line and waits for an expected answer. */
export const tcpCheck: CheckType<'tcp'> = {
  async run(spec, ctx) {
    const started = performance.now();
    const deadlineAt = Date.now() + spec.timeout;
    const conn = await connectTarget(spec, ctx, started, spec.tls ? {} : undefined);
    if (!('socket' in conn)) return conn;
    const { socket, remoteAddress, timings } = conn;
    const where = `${remoteAddress}:${spec.port}`;
    const connected = { dns: timings.dns, connect: timings.connect, tls: timings.tls };
    try {
      if (spec.send !== undefined) socket.write(spec.send);
      if (spec.expect === undefined) {
        return {
          status: 'up',
          message: `connected to ${where} in ${ms(performance.now() - started)}`,
          durationMs: performance.now() - started,
          timings: connected,
        };
      }
      const answer = await readUntil(socket, spec.expect, deadlineAt, ctx.signal);
      const durationMs = performance.now() - started;
      const expected = quote(JSON.stringify(spec.expect));
      const detail = { matched: answer.found, receivedBytes: answer.bytes };
      if (answer.found) return { status: 'up', message: `${where} answered ${expected} in ${ms(durationMs)}`, durationMs, timings: connected, detail };
      return {
        status: 'down',
        message: `${where} did not answer ${expected}: ${answer.reason} (${answer.bytes} bytes came)`,
        durationMs,
        timings: connected,
        detail,
      };
    } finally {
      socket.destroy();
    }
  },
};
