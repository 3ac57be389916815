import { isIP, Socket } from 'node:net';

/**
 * A tripwire for suites that make up their own inputs (the OpenAPI fuzz suite): every TCP connection
 * this process opens must go to loopback. One to anywhere else is refused before it leaves, and
 * recorded so the suite fails and names it. DNS goes to a loopback server by configuration.
 */
export function noEgress(): { attempts: string[]; restore: () => void } {
  const attempts: string[] = [];
  const original = Socket.prototype.connect;
  const loopback = (host: string) => host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '::ffff:127.0.0.1';
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; path?: string; port?: number } | number | string | unknown[];
    const options = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string; port?: number } | number | string;
    const host =
      typeof options === 'object' && options !== null ? (options.path ? 'localhost' : (options.host ?? 'localhost')) : typeof options === 'number' ? String(args[1] ?? 'localhost') : 'localhost';
    if (!loopback(host.replace(/^\[|\]$/g, '')) || (isIP(host) === 0 && !loopback(host))) {
      attempts.push(host);
      process.nextTick(() => this.destroy(new Error(`refused by the test's no-egress tripwire: ${host}`)));
      return this;
    }
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  return { attempts, restore: () => void (Socket.prototype.connect = original) };
}
