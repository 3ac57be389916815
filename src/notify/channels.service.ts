import { maxId } from '../lib/ids.js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { mergePatch } from '../lib/json.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { pageOf, type GuardChange, type Page } from '../sites/sites.service.js';
import { channelObjects, type Channel, type ChannelCodec } from './channel-codec.js';
import { channelKinds, channelSchema, templatesSchema, type ChannelSpec, type ChannelType } from './channel.schema.js';
import { ChannelsRepository } from './channels.repository.js';
import { deliver, previewFor, type Preview } from './deliver.js';
import { notificationEvents, type Delivery, type DeliveryContext, type NotificationPayload } from './notification.js';
import { samplePayload } from './sample.js';

const nullable = z.string().nullable();
/** Sample data for a preview: any field given replaces the built-in sample's. */
const previewData = z
  .object({
    occurredAt: z.string(),
    dedupKey: z.string(),
    notificationId: z.string(),
    incident: z
      .object({
        id: z.number().int(),
        title: z.string(),
        severity: z.enum(['critical', 'major', 'minor']),
        status: z.enum(['open', 'acknowledged', 'resolved']),
        openedAt: z.string(),
        acknowledgedAt: nullable,
        resolvedAt: nullable,
        summary: z.string(),
        owner: nullable,
        url: nullable,
        acknowledgeUrl: nullable,
        runbook: nullable,
      })
      .partial()
      .strict(),
    site: z
      .object({ id: z.number().int(), name: z.string(), url: nullable, tags: z.array(z.string()) })
      .partial()
      .strict(),
    monitors: z.array(
      z.object({ id: z.number().int(), name: z.string(), type: z.string(), status: z.string(), message: z.string(), since: z.string() }).strict(),
    ),
  })
  .partial()
  .strict();

export const previewRequest = z
  .object({
    /** A stored channel: its kind and its own templates are used. */
    channelId: z.number().int().positive().max(maxId).optional(),
    /** Or a kind of channel, with the default templates. */
    type: channelKinds.nameSchema.optional(),
    event: z.enum(notificationEvents),
    /** Templates to try, over the channel's own. */
    templates: templatesSchema,
    data: previewData.optional(),
  })
  .strict()
  .refine((r) => (r.channelId === undefined) !== (r.type === undefined), { message: 'give either "channelId" or "type"', path: ['channelId'] });

export interface ChannelFilter {
  limit: number;
  afterId?: number | undefined;
  type?: ChannelType | undefined;
  search?: string | undefined;
}

/** Use cases on notification channels, for the API: the same rules as sites (secrets, owners, unique names). */
export class ChannelsService {
  private readonly repo: ChannelsRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly codec: ChannelCodec,
    private readonly clock: Clock,
  ) {
    this.repo = new ChannelsRepository(db);
  }

  /** Channels are few (tens), so filtering and paging happen here over one read. */
  async list(filter: ChannelFilter): Promise<Page<Channel>> {
    const search = filter.search?.toLowerCase();
    const matching = (await this.repo.all())
      .map((row) => this.codec.fromRow(row))
      .filter((c) => (!filter.type || c.spec.type === filter.type) && (!search || c.spec.name.toLowerCase().includes(search)));
    const after = matching.filter((c) => c.id > (filter.afterId ?? 0));
    return pageOf(after.slice(0, filter.limit), matching.length, filter.limit);
  }

  async get(id: number): Promise<Channel> {
    const channel = await this.find(id);
    if (!channel) throw new AppError('not_found', `channel ${id} does not exist`);
    return channel;
  }

  /** A channel, or undefined when it no longer exists (the outbox cancels its messages). */
  async find(id: number): Promise<Channel | undefined> {
    const row = await this.repo.get(id);
    return row && this.codec.fromRow(row);
  }

  async create(input: unknown, guard: GuardChange<ChannelSpec> = () => {}): Promise<Channel> {
    const spec = parseInput(channelSchema, input);
    guard(undefined, spec);
    return this.db.transaction().execute(async (trx) => {
      const repo = new ChannelsRepository(trx);
      if ((await repo.all()).some((r) => r.name === spec.name)) throw new AppError('conflict', `a channel named "${spec.name}" already exists`);
      const id = await repo.insert(this.codec.toWrite(spec, 'api', {}), this.clock.now());
      return this.codec.fromRow((await repo.get(id))!);
    });
  }

  /** Replaces a channel (PUT) or merges a JSON merge patch into it (PATCH); `********` keeps a stored secret. */
  async update(id: number, input: unknown, mode: 'replace' | 'merge', guard: GuardChange<ChannelSpec> = () => {}): Promise<Channel> {
    return this.db.transaction().execute(async (trx) => {
      const repo = new ChannelsRepository(trx);
      const row = await repo.get(id);
      if (!row) throw new AppError('not_found', `channel ${id} does not exist`);
      const current = this.codec.fromRow(row);
      const { spec, envRefs } = channelObjects.mergeWrite(current, input, mode);
      guard(current.spec, spec);
      const rows = await repo.all();
      if (rows.some((r) => r.name === spec.name && r.id !== id)) throw new AppError('conflict', `a channel named "${spec.name}" already exists`);
      if (spec.name !== current.spec.name) await this.refuseIfUsed(trx, current.spec.name, 'rename');
      await repo.update(id, this.codec.toWrite(spec, 'api', envRefs), this.clock.now());
      return this.codec.fromRow((await repo.get(id))!);
    });
  }

  async delete(id: number): Promise<void> {
    const channel = await this.get(id);
    channelObjects.assertOwner(channel, 'api');
    await this.refuseIfUsed(this.db, channel.spec.name, 'delete');
    await this.repo.delete(id);
  }

  /** Sends a `test` event on the channel now and answers what came of it. */
  async sendTest(id: number, ctx: DeliveryContext): Promise<Delivery> {
    const channel = await this.get(id);
    return deliver(channel.spec, samplePayload('test', new Date(this.clock.now())), ctx);
  }

  /** Renders what a channel (or a kind of channel) would send for an event, from sample data or the data given. */
  async preview(input: unknown): Promise<Preview> {
    const request = parseInput(previewRequest, input);
    const channel = request.channelId === undefined ? undefined : await this.get(request.channelId);
    const sample = samplePayload(request.event, new Date(this.clock.now()));
    const payload = mergePatch(sample, request.data ?? {}) as NotificationPayload;
    const type = channel?.spec.type ?? request.type!;
    const own = channel && 'templates' in channel.spec ? channel.spec.templates : undefined;
    return previewFor(type, payload, { ...own, ...request.templates });
  }

  /** Sites and monitors name channels in `notify`: a channel they name cannot disappear under them. */
  private async refuseIfUsed(db: Kysely<Database>, name: string, action: 'delete' | 'rename'): Promise<void> {
    const sites = new SitesRepository(db);
    const named = (spec: string) => ((JSON.parse(spec) as { notify?: string[] }).notify ?? []).includes(name);
    const users = [
      ...(await sites.allSites()).filter((s) => named(s.spec)).map((s) => `site "${s.name}"`),
      ...(await sites.allMonitors()).filter((m) => named(m.spec)).map((m) => `monitor "${m.site_name}/${m.name}"`),
    ];
    if (users.length) {
      throw new AppError(
        'conflict',
        `cannot ${action} channel "${name}": ${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''} notify it; change them first`,
      );
    }
  }
}
