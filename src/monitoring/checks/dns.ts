import { createResolver, Deadline, refusalFor, type DnsRecordsByType, type Resolver } from '../../lib/net/index.js';
import { quote } from '../../lib/evidence.js';
import { failureResult, ms, type CheckType } from './check.js';

const resolvers = new Map<string, Resolver>();
const MAX_ANSWERS = 20;

/** A resolver for a monitor's own `resolver` address, kept for reuse. */
function resolverFor(address: string): Resolver {
  let r = resolvers.get(address);
  if (!r) resolvers.set(address, (r = createResolver({ servers: [address], timeoutMs: 2_000, tries: 2 })));
  return r;
}

/** The address in "1.1.1.1", "1.1.1.1:53", "[2606:4700::1111]:53" or "2606:4700::1111". */
function resolverIp(address: string): string {
  return /^\[([^\]]+)\](?::\d+)?$/.exec(address)?.[1] ?? /^([\d.]+)(?::\d+)?$/.exec(address)?.[1] ?? address;
}

const trimDot = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** DNS answers written the way people write them in `expected`. */
function asText(type: keyof DnsRecordsByType, r: DnsRecordsByType[keyof DnsRecordsByType]): string[] {
  switch (type) {
    case 'A':
    case 'AAAA':
      return (r as DnsRecordsByType['A']).map((a) => a.address);
    case 'MX':
      return (r as DnsRecordsByType['MX']).map((m) => `${m.priority} ${trimDot(m.exchange)}`);
    case 'CAA':
      return (r as DnsRecordsByType['CAA']).map(({ critical, ...tags }) => {
        const [tag, value] = Object.entries(tags)[0] ?? ['', ''];
        return `${critical} ${tag} "${String(value)}"`;
      });
    case 'SOA': {
      const soa = r as DnsRecordsByType['SOA'];
      return [`${trimDot(soa.nsname)} ${trimDot(soa.hostmaster)} ${soa.serial}`];
    }
    case 'TXT':
      return r as string[];
    default:
      return (r as string[]).map(trimDot);
  }
}

const normalize = (v: string) => v.trim().replace(/\.$/, '').toLowerCase();

/** Resolves a record type and checks that every expected value is among the answers. */
export const dnsCheck: CheckType<'dns'> = {
  async run(spec, ctx) {
    const started = performance.now();
    let answers: string[];
    const deadline = new Deadline(spec.timeout, ctx.signal);
    deadline.phase = `resolving ${spec.recordType} ${spec.host}`;
    try {
      // A chosen resolver is a network target like any other: the same address rules apply.
      const refused = spec.resolver ? refusalFor(resolverIp(spec.resolver), `the resolver ${spec.resolver}`, ctx.policy) : null;
      if (refused) throw refused;
      const resolver = spec.resolver ? resolverFor(spec.resolver) : ctx.resolver;
      answers = asText(spec.recordType, await deadline.race(resolver.resolveRecords(spec.host, spec.recordType)));
    } catch (err) {
      return failureResult(err, started);
    } finally {
      deadline.dispose();
    }
    const durationMs = performance.now() - started;
    // Answers are matched whole but kept as short quotes (a TXT record can hold anything): at most MAX_ANSWERS.
    const shown = answers.slice(0, MAX_ANSWERS).map((a) => quote(a));
    const detail = { answers: shown, ...(answers.length > MAX_ANSWERS ? { more: answers.length - MAX_ANSWERS } : {}) };
    const got = new Set(answers.map(normalize));
    const missing = (spec.expected ?? []).filter((v) => !got.has(normalize(v)));
    const some = `${shown.slice(0, 5).join(', ')}${answers.length > 5 ? ', …' : ''}`;
    if (missing.length) {
      return {
        status: 'down',
        message: `${spec.recordType} ${spec.host} lacks ${missing.map((m) => quote(JSON.stringify(m))).join(', ')} (answers: ${some || 'none'})`,
        durationMs,
        detail,
      };
    }
    return {
      status: 'up',
      message: `${spec.recordType} ${spec.host}: ${some} in ${ms(durationMs)}`,
      durationMs,
      detail,
    };
  },
};
