import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { operation } from './http/operation.js';
import { jsonSchema } from './http/schema.js';
import type { KindInfo } from './lib/kinds.js';
import { monitorKinds } from './monitoring/monitor.schema.js';
import { channelKinds } from './notify/channel.schema.js';
import { backendKinds } from './backups/backends/registry.js';
import { sourceKinds } from './backups/sources/registry.js';
import { stepKinds } from './updates/runs/steps/index.js';

/** Every plugin family with a registry, by the name `GET /api/v1/kinds` answers it under. */
const families = {
  monitors: monitorKinds,
  channels: channelKinds,
  backupSources: sourceKinds,
  backupTargets: backendKinds,
  updateSteps: stepKinds,
};

const kindOut = z.object({
  kind: z.string().describe('what `type` (or `kind`) says in a definition'),
  label: z.string().describe('for people'),
  schema: z.record(z.string(), z.unknown()).describe('the JSON Schema (2020-12) of a definition of this kind, as upkeep.yaml and API bodies write it'),
  secretFields: z
    .array(z.object({ path: z.string().describe('dotted; * is any key of a map'), note: z.string().optional() }))
    .describe('fields sealed at rest and answered as ********'),
});
const kindsOut = z
  .object(Object.fromEntries(Object.keys(families).map((family) => [family, z.array(kindOut)])) as Record<keyof typeof families, z.ZodArray<typeof kindOut>>)
  .describe('Each plugin family’s kinds');

/**
 * What kinds of monitors, channels, … this instance knows, derived from their registries: the
 * dashboard's lists and forms read them, so a kind added to a registry shows there with no edit.
 * Open to every logged-in caller: it describes the product, not anyone's objects.
 */
export function kindsRoutes(app: FastifyInstance): void {
  // Made once, when the routes are: every kind is registered by then.
  const answer = Object.fromEntries(Object.entries(families).map(([family, registry]) => [family, registry.describe(jsonSchema)])) as Record<
    string,
    KindInfo[]
  >;
  app.get(
    '/kinds',
    { schema: operation({ tag: 'kinds', summary: 'List the kinds of monitors, channels and other plugins', ok: { 200: kindsOut } }) },
    async () => answer,
  );
}
