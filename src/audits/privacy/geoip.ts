import maxmind, { type CountryResponse } from 'maxmind';
import { AppError } from '../../lib/errors.js';
import { isNetError } from '../../lib/net/index.js';
import type { AuditContext } from '../context.js';
import type { ThirdParty } from '../types.js';

/**
 * Adds the country of each third party's host, from a MaxMind DB file (GeoLite2-Country or -City,
 * or any database in that format) named in audits.privacy.geoipDatabase. Names are resolved by the
 * audit's resolver, so --resolve overrides hold here too.
 */
export async function locate(ctx: AuditContext, parties: ThirdParty[], hosts: Map<string, string>): Promise<void> {
  const file = ctx.config.privacy.geoipDatabase!;
  let reader;
  try {
    reader = await maxmind.open<CountryResponse>(file);
  } catch (err) {
    throw new AppError('invalid_config', `audits.privacy.geoipDatabase: cannot read ${file} as a MaxMind database (${(err as Error).message})`, { cause: err });
  }
  for (const party of parties) {
    const host = hosts.get(party.domain);
    if (!host) continue;
    try {
      const [ip] = await ctx.net.resolver.resolve(host, 'auto');
      const country = ip ? reader.get(ip)?.country?.iso_code : undefined;
      if (country) party.country = country;
    } catch (err) {
      // A host that no longer resolves simply has no location.
      if (!isNetError(err)) throw err;
    }
  }
}
