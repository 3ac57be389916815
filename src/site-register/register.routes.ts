import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { siteRefOf, type Access } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, parseId } from '../http/schema.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { toIso } from '../lib/clock.js';
import { REDACTED } from '../lib/secrets.js';
import type { SitesService } from '../sites/sites.service.js';
import { personRoles, registerInput, vendorRoles } from './register.schema.js';
import type { CheckedDate, RegisterService, SiteRegister } from './register.service.js';

const iso = z.iso.datetime({ offset: true });
const contactOut = { email: z.string().optional(), phone: z.string().optional() };
const personOut = z.object({ role: z.enum(personRoles), name: z.string(), ...contactOut });
const vendorOut = z.object({
  role: z.enum(vendorRoles),
  name: z.string(),
  support: z.object({ name: z.string().optional(), ...contactOut, url: z.string().optional() }),
  contractEnds: z.string().optional(),
  renewsOn: z.string().optional(),
  notes: z.string().optional(),
});
const checkedOut = z.object({ date: z.string().describe('YYYY-MM-DD'), monitor: z.string(), checkedAt: iso }).nullable();
const registerOut = z.object({
  siteId: z.number().int(),
  vendors: z.array(vendorOut),
  people: z.array(personOut),
  dependsOn: z.array(z.object({ id: z.number().int(), name: z.string() })).describe('the sites this one depends on (those within your reach)'),
  credentials: z
    .array(z.object({ label: z.string(), location: z.literal(REDACTED) }))
    .describe('where credentials live: labels only, the locations stay sealed'),
  notes: z.string(),
  expiry: z.object({ domain: checkedOut, certificate: checkedOut }).describe("from the newest results of the site's domain and tls monitors"),
  updatedAt: iso.nullable(),
  managedBy: z.enum(['config', 'api']).describe('config: written in upkeep.yaml (registers:), changed only there'),
});
const contactsOut = z.object({
  siteId: z.number().int(),
  people: z.array(personOut),
  vendors: z.array(vendorOut),
});

const checked = (c: CheckedDate | null) => (c ? { date: c.date, monitor: c.monitor, checkedAt: toIso(c.checkedAt) } : null);

/** Register routes: the site's register (GET/PUT) and the contacts an incident needs. Scoped like the site. */
export function registerRoutes(app: FastifyInstance, deps: { register: RegisterService; sites: SitesService; incidents: IncidentsService }): void {
  const tag = 'site register';
  const siteRef = async (id: number) => siteRefOf.site(await deps.sites.getSite(id));
  const site = async (req: FastifyRequest, need: 'read' | 'write') => {
    const id = parseId(req);
    accessOf(req).require(await siteRef(id), need);
    return id;
  };
  /** Dependencies the caller may see, with their names; others are left out, not confirmed. */
  const dependencies = async (access: Access, ids: readonly number[]) => {
    const out: { id: number; name: string }[] = [];
    for (const id of ids) {
      const ref = await siteRef(id).catch(() => null);
      if (ref && access.roleOn(ref)) out.push({ id, name: ref.name });
    }
    return out;
  };
  const show = async (req: FastifyRequest, siteId: number, r: SiteRegister) => ({
    siteId,
    vendors: r.vendors,
    people: r.people,
    dependsOn: await dependencies(accessOf(req), r.dependsOn),
    credentials: r.credentials.map((label) => ({ label, location: REDACTED })),
    notes: r.notes,
    expiry: { domain: checked(r.expiry.domain), certificate: checked(r.expiry.certificate) },
    updatedAt: r.updatedAt === null ? null : toIso(r.updatedAt),
    managedBy: r.managedBy,
  });

  app.get(
    '/sites/:id/register',
    {
      schema: operation({
        tag,
        summary: "The site's register: vendors, people, dependencies, credential references, expiry dates",
        params: idParams,
        ok: { 200: registerOut },
      }),
    },
    async (req) => {
      const id = await site(req, 'read');
      return show(req, id, await deps.register.get(id));
    },
  );
  app.put(
    '/sites/:id/register',
    {
      schema: operation({
        tag,
        summary: "Replace the site's register",
        description: `Credential locations are sealed and answered as "${REDACTED}"; write that back to keep one.`,
        params: idParams,
        body: registerInput,
        ok: { 200: registerOut },
        errors: [409],
      }),
    },
    async (req) => {
      const id = await site(req, 'write');
      const access = accessOf(req);
      const saved = await deps.register.put(id, req.body, {
        require: async (other) => access.require(await siteRef(other), 'read'),
        // A site that is gone is "seen": its id is dropped, not kept.
        sees: async (other) => {
          const ref = await siteRef(other).catch(() => null);
          return !ref || Boolean(access.roleOn(ref));
        },
      });
      return show(req, id, saved);
    },
  );
  app.get(
    '/incidents/:id/contacts',
    { schema: operation({ tag, summary: "Who to call for an incident: its site register's people and vendors", params: idParams, ok: { 200: contactsOut } }) },
    async (req) => {
      const { incident } = await deps.incidents.details(parseId(req));
      accessOf(req).require(await siteRef(incident.site_id), 'read', `incident ${incident.id}`);
      const r = await deps.register.get(incident.site_id);
      return { siteId: incident.site_id, people: r.people, vendors: r.vendors };
    },
  );
}
