import { z } from 'zod';
import { checkSiteDocuments, knownRefs, type ConfigSection, type SectionStore } from '../config/section.js';
import { siteDocumentsStore } from '../sites/site-documents.js';
import type { SecretBox } from '../lib/secrets.js';
import { RegisterRepository } from './register.repository.js';
import { registerInput, type RegisterBody } from './register.schema.js';
import { registerRow } from './register.service.js';
import { withRegisterTables } from './tables.js';

/** A register as upkeep.yaml writes it: the API's document, its dependencies by site name. */
export const registerFileSchema = registerInput.extend({
  dependsOn: z.array(z.string().min(1)).max(50, 'at most 50 sites').default([]).describe('names of the sites this one depends on'),
});
export const registerConfigSchema = registerFileSchema.extend({ site: z.string().min(1).describe('the site (from sites:) this register is of') });
type FileRegister = z.output<typeof registerFileSchema>;

/** Credential locations are secrets: sealed at rest, `${VAR}` or `${UPKEEP_SECRET_…}` in an exported file. */
const isSecret = (path: readonly string[]) => path[0] === 'credentials' && path[2] === 'location';

interface Referencing {
  sites: { name: string }[];
  registers: z.output<typeof registerConfigSchema>[];
}

/** `registers:`: one per site of the file, depending on other sites of the file. */
export const registersSection = {
  shape: { registers: z.array(registerConfigSchema).default([]) },
  check: (config, issue) => {
    const sites = new Set(config.sites.map((s) => s.name));
    checkSiteDocuments(config.registers, 'registers', sites, issue);
    config.registers.forEach((r, i) =>
      knownRefs(r.dependsOn, ['registers', i, 'dependsOn'], (name) => sites.has(name) && name !== r.site, 'other site', issue),
    );
  },
} satisfies ConfigSection<Referencing>;

/**
 * `registers:` in the database, one per site (after the sites): what the file no longer names is
 * deleted if the file wrote it; registers written in the API are kept until the file names their site.
 */
export function registersStore(box: SecretBox): SectionStore<Referencing> {
  return siteDocumentsStore<Referencing, FileRegister>({
    section: 'registers',
    kind: 'register',
    schema: registerFileSchema,
    isSecret,
    stored: async (db, names) =>
      (await new RegisterRepository(withRegisterTables(db)).all()).map((row) => {
        const body = JSON.parse(row.body) as RegisterBody;
        const locations = row.secrets ? box.open<Record<string, string>>(row.secrets) : {};
        const spec: FileRegister = {
          ...body,
          dependsOn: body.dependsOn.flatMap((id) => names.get(id) ?? []),
          credentials: body.credentials.map((label) => ({ label, location: locations[label] ?? '' })),
        };
        const envRefs = row.env_refs ? (JSON.parse(row.env_refs) as Record<string, string>) : {};
        return { siteId: row.site_id, spec, envRefs, managedBy: row.managed_by };
      }),
    wanted: (config, sync) => config.registers.map(({ site, ...spec }, i) => ({ site, spec, envRefs: sync.refsUnder(`registers.${i}.`) })),
    async write(sync, siteId, spec, envRefs, idOf) {
      const dependsOn = await Promise.all(spec.dependsOn.map(idOf));
      const locations = Object.fromEntries(spec.credentials.map((c) => [c.label, c.location]));
      const row = registerRow(box, siteId, { ...spec, dependsOn }, locations, { managedBy: 'config', envRefs, now: sync.now });
      await new RegisterRepository(withRegisterTables(sync.trx)).put(row);
    },
    remove: ({ trx }, siteId) => new RegisterRepository(withRegisterTables(trx)).delete(siteId),
  });
}
