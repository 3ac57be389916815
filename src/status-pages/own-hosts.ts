import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Where this instance is reached: a status page must never claim these as its custom domain. */
export interface OwnHosts {
  /** server.publicUrl. */
  publicUrl?: string | undefined;
  /** server.host, the listen address (a name here is a name people may use). */
  listenHost?: string | undefined;
  /** The Host (and X-Forwarded-Host, where believed) of the request that writes the page: the dashboard is served there. */
  requestHosts?: readonly (string | undefined)[];
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/** A Host header or host name as compared: lower case, no port, no brackets, no trailing dot. */
export function bareHost(host: string): string {
  const h = host.trim().toLowerCase();
  const unbracketed = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : isIP(h) === 6 ? h : h.replace(/:\d*$/, '');
  return unbracketed.replace(/\.$/, '');
}

function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(host)) return false;
  const range = ipaddr.process(host).range();
  return range === 'loopback' || range === 'unspecified';
}

/**
 * Why `domain` cannot serve a status page, or undefined when it may: a page on the instance's own
 * host would answer "/" there, hiding the dashboard, and take the paths the API, heartbeat pings
 * (/ping) and acknowledge links (/ack) are reached at.
 *
 * @example ownHostRefusal('upkeep.example.com', { publicUrl: 'https://upkeep.example.com' }) // "… server.publicUrl …"
 */
export function ownHostRefusal(domain: string, own: OwnHosts): string | undefined {
  const host = bareHost(domain);
  const why = (what: string) =>
    `the domain "${domain}" is ${what}: a status page there would hide the dashboard, the API, heartbeat pings (/ping) and acknowledge links (/ack)`;
  if (isLoopback(host)) return why('this machine itself (a loopback name or address)');
  if (own.publicUrl && bareHost(new URL(own.publicUrl).host) === host) return why("this Upkeep server's own address (server.publicUrl)");
  if (own.listenHost && bareHost(own.listenHost) === host) return why("this Upkeep server's own address (server.host)");
  if (own.requestHosts?.some((h) => h !== undefined && bareHost(h) === host)) return why('the address this Upkeep server is being used at');
  return undefined;
}
