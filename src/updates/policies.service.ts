import type { Kysely } from 'kysely';
import { formatPath } from '../config/messages.js';
import { parseInput } from '../config/validate.js';
import type { Database, ManagedBy } from '../db/types.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import { configObjectKind } from '../incidents/config-objects.service.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { assertOwner } from '../lib/stored-object.js';
import { ChannelsRepository } from '../notify/channels.repository.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { updatePolicySchema, type UpdatePolicy, type UpdatesConfig } from './policy.js';

export interface PolicyEntry {
  policy: UpdatePolicy;
  managedBy: ManagedBy;
}

/** The policies' config objects kind; the file's are kept there too (by `apply`) so that `export` writes every policy. */
const KIND = 'update-policy';
const policies = configObjectKind(updatePolicySchema, 'update policy').codec();

/**
 * The update policies in force: upkeep.yaml's (`updates.policies`), then those written through the
 * API (kept in `config_objects`, so other nodes of a cluster see them on their next `refresh`). A
 * name the file uses is the file's: the API may not change it.
 */
export class UpdatePolicies {
  private readonly repo: ConfigObjectsRepository;
  private api: UpdatePolicy[] = [];
  private signature = '';
  /**
   * The updates config every reader is given: the file's sites and the policies of now. A view,
   * not a copy, so what was given out at start follows the API's changes without a restart.
   */
  readonly config: UpdatesConfig;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly file: UpdatesConfig,
  ) {
    this.repo = new ConfigObjectsRepository(db);
    const list = () => this.list().map((e) => e.policy);
    this.config = {
      get sites() {
        return file.sites;
      },
      get policies() {
        return list();
      },
      get knowledge() {
        return file.knowledge;
      },
    };
  }

  /** Reads the API's policies again when the stored objects changed (or always, after a write here). */
  async refresh(force = false): Promise<void> {
    const signature = await this.repo.signature();
    if (signature === this.signature && !force) return;
    const rows = (await this.repo.all(KIND)).filter((r) => r.managed_by === 'api');
    this.api = rows.map((r) => policies.fromRow(r).spec);
    this.signature = signature;
  }

  list(): PolicyEntry[] {
    const names = new Set(this.file.policies.map((p) => p.name));
    return [
      ...this.file.policies.map((policy) => ({ policy, managedBy: 'config' as const })),
      ...this.api.filter((p) => !names.has(p.name)).map((policy) => ({ policy, managedBy: 'api' as const })),
    ];
  }

  /** Creates or replaces a policy of the API; returns it and whether it is new. */
  async put(name: string, input: unknown): Promise<{ policy: UpdatePolicy; created: boolean }> {
    // The path names the policy; a body may repeat the name, not give another.
    const body = input && typeof input === 'object' && !Array.isArray(input) ? { name, ...input } : input;
    const policy = parseInput(updatePolicySchema, body);
    if (policy.name !== name)
      throw new AppError('invalid_input', `name: must be "${name}", as in the path`, {
        details: [{ path: 'name', message: `must be "${name}", as in the path` }],
      });
    const row = await this.editable(name);
    await this.checkReferences(policy);
    const text = policies.toWrite(policy, 'api', {}).spec;
    if (row) await this.repo.update(row.id, name, text, 'api', this.clock.now());
    else await this.repo.insert(KIND, name, text, 'api', this.clock.now());
    await this.refresh(true);
    return { policy, created: !row };
  }

  async delete(name: string): Promise<void> {
    const row = await this.editable(name);
    if (!row) throw new AppError('not_found', `update policy "${name}" does not exist`);
    await this.repo.delete(row.id);
    await this.refresh(true);
  }

  /** The API's stored row of a name (none yet: undefined); a name of upkeep.yaml is refused. */
  private async editable(name: string) {
    const row = await this.repo.getByName(KIND, name);
    const inFile = this.file.policies.some((p) => p.name === name);
    assertOwner(inFile ? 'config' : (row?.managed_by ?? 'api'), 'api', `update policy "${name}"`, 'updates.policies');
    return row;
  }

  /** Sites, channels and the maintenance window a policy names must exist, or it would reach or tell nothing, silently. */
  private async checkReferences(policy: UpdatePolicy): Promise<void> {
    const sites = new SitesRepository(this.db);
    const channels = new Set((await new ChannelsRepository(this.db).byNames(policy.channels)).map((c) => c.name));
    const details: { path: string; message: string }[] = [];
    for (const [i, name] of (policy.sites ?? []).entries())
      if (!(await sites.getSiteByName(name))) details.push({ path: formatPath(['sites', i]), message: `no site named ${JSON.stringify(name)}` });
    for (const [i, name] of policy.channels.entries())
      if (!channels.has(name)) details.push({ path: formatPath(['channels', i]), message: `no channel named ${JSON.stringify(name)}` });
    if (policy.when !== undefined && !(await this.repo.getByName('maintenance', policy.when)))
      details.push({ path: 'when', message: `no maintenance window named ${JSON.stringify(policy.when)}` });
    if (details.length) throw new AppError('invalid_input', `${details[0]!.path}: ${details[0]!.message}`, { details });
  }
}
