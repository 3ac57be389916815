import type { FastifyRequest } from 'fastify';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { parseId } from '../http/schema.js';
import type { SitesService } from './sites.service.js';

/**
 * The site id of a path like `/sites/:id/routines`, once the caller may `need` that site: the one
 * check every route of a site's own objects (routines, runbooks, planned work, feedback) starts with.
 */
export async function siteOfPath(req: FastifyRequest, sites: Pick<SitesService, 'getSite'>, need: 'read' | 'write'): Promise<number> {
  const id = parseId(req);
  accessOf(req).require(siteRefOf.site(await sites.getSite(id)), need);
  return id;
}
