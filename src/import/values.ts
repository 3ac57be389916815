import { classifyAddress, parseHost } from '../lib/net/policy.js';
import { formatDuration } from '../config/duration.js';
import { tag } from '../config/fields.js';

/** Seconds as an Upkeep duration, in the largest unit that divides them: 60 → "1m", 90 → "90s". */
export const seconds = (total: number): string => formatDuration(Math.round(total) * 1000);

/**
 * A tag of another tool as an Upkeep tag: `name:value` when it has a value, spaces and other
 * characters Upkeep's tags do not take written as "-"; undefined when nothing usable is left.
 */
export function tagOf(name: string, value = ''): string | undefined {
  const clean = (s: string) =>
    s
      .trim()
      .replace(/[^\p{L}\p{N}_.:-]+/gu, '-')
      .replace(/^[^\p{L}\p{N}]+|-+$/gu, '');
  const text = value.trim() ? `${clean(name)}:${clean(value)}` : clean(name);
  const cut = text.slice(0, 63);
  return tag.safeParse(cut).success ? cut : undefined;
}

/**
 * Whether a host is loopback, private or link-local by its spelling alone (an IP literal or
 * "localhost"): such monitors and channels need `allowPrivateTargets` to reach it from Upkeep.
 * Names that only resolve to private addresses cannot be told apart here.
 */
export function isPrivateHost(host: string | undefined): boolean {
  if (!host) return false;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  try {
    const { ip } = parseHost(host);
    return ip !== null && classifyAddress(ip).class === 'private';
  } catch {
    return false;
  }
}

/** The host a URL names, without IPv6 brackets; undefined for text that is not a URL. */
export function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** Where a channel sends to (its URL, server or SMTP host), for the private-address rule. */
export function channelHost(channel: Record<string, unknown>): string | undefined {
  const url = [channel.url, channel.server, channel.homeserver, channel.apiUrl].find((u): u is string => typeof u === 'string');
  if (url) return urlHost(url);
  const smtp = channel.smtp as Record<string, unknown> | undefined;
  return typeof smtp?.host === 'string' ? smtp.host : undefined;
}
