import { connect as netConnect, type Socket } from 'node:net';
import type { Deadline } from './deadline.js';
import { toNetError, type NetError } from './errors.js';

/**
 * Kept on every socket we hand out: an error emitted in the gap before the new owner (undici, a
 * check) attaches its own listener would otherwise crash the process. The owner still sees the
 * error through its listeners, or the socket's 'close'.
 */
export function ignoreLateError(): void {}

/** "127.0.0.1:8081", "[::1]:443", or "example.com (93.184.215.14:443)" when a name was resolved. */
export function describeTarget(name: string, ip: string, port: number): string {
  const address = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  return name === ip ? address : `${name} (${address})`;
}

/** One TCP connection to one exact address; the address must already have passed the policy. */
export function tcpConnect(ip: string, port: number, label: string, deadline: Deadline): Promise<Socket> {
  deadline.phase = `connecting to ${label}`;
  return new Promise((resolve, reject) => {
    const signal = deadline.signal;
    if (signal.aborted) return reject(signal.reason as NetError);
    const socket = netConnect({ host: ip, port, noDelay: true });
    const settle = (err: NetError | null): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onConnect = (): void => settle(null);
    const onError = (err: Error): void => settle(toNetError(err, label));
    const onAbort = (): void => settle(signal.reason as NetError);
    socket.once('connect', onConnect);
    socket.on('error', onError);
    socket.on('error', ignoreLateError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
