import maxmind, { type CountryResponse, type Reader } from 'maxmind';
import { AppError } from '../../lib/errors.js';
import { isNetError } from '../../lib/net/index.js';
import type { AuditContext } from '../context.js';
import type { ThirdParty } from '../types.js';

/**
 * Opens the MaxMind DB file (GeoLite2-Country or -City, or any database in that format) named in
 * audits.privacy.geoipDatabase: before the page is loaded, so a wrong path fails at once.
 */
export async function openGeoip(file: string): Promise<Reader<CountryResponse>> {
  try {
    return await maxmind.open<CountryResponse>(file);
  } catch (err) {
    throw new AppError('invalid_config', `audits.privacy.geoipDatabase: cannot read ${file} as a MaxMind database (${(err as Error).message})`, { cause: err });
  }
}

/** Adds the country of each third party's host; names are resolved by the audit's resolver, so --resolve holds here too. */
export async function locate(ctx: AuditContext, reader: Reader<CountryResponse>, parties: ThirdParty[], hosts: Map<string, string>): Promise<void> {
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
