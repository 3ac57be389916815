import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { listSchema } from '../http/schema.js';
import type { SitesService } from '../sites/sites.service.js';
import type { UpdatePolicies } from './policies.service.js';
import { policyFor, updatePolicySchema, type UpdatePolicy } from './policy.js';

const tag = 'updates';
const nameParams = z.object({ name: z.string().min(1).max(80).describe("the policy's name") });
const policyOut = z.object({
  policy: z.record(z.string(), z.unknown()).describe('the policy as upkeep.yaml writes it (durations as text)'),
  managedBy: z.enum(['config', 'api']).describe('config: defined in upkeep.yaml, changed there only'),
  sites: z.array(z.string()).describe('the sites that follow it now'),
});
const policyBody = updatePolicySchema.partial({ name: true }).describe('an update policy (see updates.policies of upkeep.yaml); the name is the path’s');

const written = (p: UpdatePolicy) => z.encode(updatePolicySchema, p) as Record<string, unknown>;

/**
 * Update policies in the API (issue 15): everyone of the instance reads them with the sites each
 * reaches; only admins write them (a policy reaches many clients' sites, so a team's editor may
 * not), and those of upkeep.yaml only in the file.
 */
export function updatePoliciesRoutes(app: FastifyInstance, deps: { policies: UpdatePolicies; sites: SitesService }): void {
  app.get(
    '/update-policies',
    {
      schema: operation({
        tag,
        summary: 'The update policies in force (upkeep.yaml’s, then the API’s), each with the sites that follow it',
        ok: { 200: { description: 'Every policy', schema: listSchema(policyOut) } },
      }),
    },
    async (req) => {
      accessOf(req).requireGlobal('read');
      await deps.policies.refresh();
      const reached = new Map<string, string[]>();
      for (const site of await deps.sites.allSites()) {
        const name = policyFor(deps.policies.config, { name: site.spec.name, tags: site.spec.tags }).name;
        reached.set(name, [...(reached.get(name) ?? []), site.spec.name]);
      }
      return { data: deps.policies.list().map((e) => ({ policy: written(e.policy), managedBy: e.managedBy, sites: reached.get(e.policy.name) ?? [] })) };
    },
  );

  app.put(
    '/update-policies/:name',
    {
      schema: operation({
        tag,
        summary: 'Makes or replaces an update policy (admins); those of upkeep.yaml answer 409',
        params: nameParams,
        body: policyBody,
        ok: { 200: { description: 'The policy, replaced', schema: policyOut }, 201: { description: 'The policy, made', schema: policyOut } },
        errors: [409],
      }),
    },
    async (req, reply) => {
      accessOf(req).requireAdmin();
      const { name } = parseInput(nameParams, req.params);
      const { policy, created } = await deps.policies.put(name, req.body);
      const sites = (await deps.sites.allSites()).filter((s) => policyFor(deps.policies.config, { name: s.spec.name, tags: s.spec.tags }).name === name);
      return reply.status(created ? 201 : 200).send({ policy: written(policy), managedBy: 'api', sites: sites.map((s) => s.spec.name) });
    },
  );

  app.delete(
    '/update-policies/:name',
    {
      schema: operation({
        tag,
        summary: 'Deletes an update policy of the API (admins); its sites follow the next policy that reaches them',
        params: nameParams,
        ok: { 204: null },
        errors: [409],
      }),
    },
    async (req, reply) => {
      accessOf(req).requireAdmin();
      await deps.policies.delete(parseInput(nameParams, req.params).name);
      return reply.status(204).send();
    },
  );
}
