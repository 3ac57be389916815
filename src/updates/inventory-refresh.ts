import { loadRepository } from '../audits/security/retire.js';
import type { SshConnection } from '../backups/sftp-connection.js';
import { reconcileComponentIncidents, type ComponentIncidentsDeps } from './component-incidents.js';
import { InventoryService, type RecordedInventory } from './inventory.service.js';
import { KnowledgeStore } from './knowledge.js';
import { assess, type Assessed } from './match.js';
import type { UpdatePolicy } from './policy.js';
import { inventoryInsideOver } from './ssh/inventory.js';
import type { SshTarget } from './ssh/target.js';

export interface InventoryRefreshDeps extends ComponentIncidentsDeps {
  /** Where the refreshed knowledge and retire.js data are kept (the shipped snapshot otherwise). */
  dataDir: string;
  /** The knowledge (the server's shares one, which decodes the stored copy only when it changed); one of its own otherwise. */
  knowledge?: KnowledgeStore;
}

/**
 * Reads a site's inventory from inside over an open SSH connection, assesses it against the
 * knowledge of now, keeps it in the site's history and reconciles the incidents of its vulnerable
 * and end-of-life components. The one path of `upkeep updates plan` and of the scheduled inventory.
 */
export async function refreshInventory(
  deps: InventoryRefreshDeps,
  ssh: SshConnection,
  target: SshTarget,
  site: { id: number; name: string },
  policy: UpdatePolicy,
): Promise<{ components: Assessed[]; kept: RecordedInventory; incidents: { opened: number[]; resolved: number[] } }> {
  const inventory = await inventoryInsideOver(ssh, target);
  const now = new Date(deps.clock.now());
  const knowledge = await (deps.knowledge ?? new KnowledgeStore(deps.db, deps.dataDir)).load(now);
  const components = assess(inventory.components, knowledge.knowledge, loadRepository(deps.dataDir), now);
  const history = new InventoryService(deps.db, deps.clock);
  const kept = await history.record(site.id, 'ssh', inventory.target, components, knowledge.builtAt);
  // Newly seen vulnerable or end-of-life components open incidents (once per version); those gone resolve theirs.
  const incidents = await reconcileComponentIncidents(deps, site, policy, await history.current(site.id));
  return { components, kept, incidents };
}
