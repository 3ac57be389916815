import { Socket } from 'node:net';

type Connect = (this: Socket, ...args: unknown[]) => Socket;

/** Where a `socket.connect(...)` call goes: `(options)`, `(port, host)` or `(path)`. */
function hostOf(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; path?: string };
    return options.path ? 'localhost' : (options.host ?? 'localhost');
  }
  return typeof first === 'number' && typeof args[1] === 'string' ? args[1] : 'localhost';
}

const loopback = (host: string) => /^(localhost|.*\.localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/.test(host.replace(/^\[|\]$/g, ''));

/**
 * A tripwire for suites that make up their own inputs (the OpenAPI fuzz suite): every TCP connection
 * this process opens must go to loopback. One to anywhere else is refused before it leaves, and
 * recorded so the suite fails and names it. DNS goes to a loopback server by configuration.
 */
export function noEgress(): { attempts: string[]; restore: () => void } {
  const attempts: string[] = [];
  const prototype = Socket.prototype as unknown as { connect: Connect };
  const original = prototype.connect;
  prototype.connect = function (this: Socket, ...args: unknown[]) {
    const host = hostOf(args);
    if (loopback(host)) return original.apply(this, args);
    attempts.push(host);
    process.nextTick(() => this.destroy(new Error(`refused by the test's no-egress tripwire: ${host}`)));
    return this;
  };
  return { attempts, restore: () => void (prototype.connect = original) };
}
