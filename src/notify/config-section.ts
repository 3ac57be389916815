import { z } from 'zod';
import { uniqueNames, upsertStoredFromFile, type ConfigSection, type SectionStore } from '../config/section.js';
import { channelKinds, channelSchema, type ChannelSpec } from './channel.schema.js';
import { channelObjects, type ChannelCodec } from './channel-codec.js';
import { ChannelsRepository } from './channels.repository.js';

/** `channels:` of upkeep.yaml: the schema, and names that are unique (others refer to channels by name). */
export const channelsSection = {
  shape: { channels: z.array(channelSchema).default([]) },
  check: (config, issue) => void uniqueNames(config.channels, ['channels'], 'channel', issue),
} satisfies ConfigSection<{ channels: { name: string }[] }>;

/** Channels in the database, synced and exported by name. */
export function channelsStore(codec: ChannelCodec): SectionStore<{ channels: ChannelSpec[] }> {
  return {
    async apply(config, sync) {
      const repo = new ChannelsRepository(sync.trx);
      const byName = new Map((await repo.all()).map((r) => [r.name, codec.fromRow(r)]));
      for (const [i, spec] of config.channels.entries()) {
        await upsertStoredFromFile(sync, codec, {
          key: spec.name,
          spec,
          path: `channels.${i}.`,
          current: byName.get(spec.name),
          insert: (write) => repo.insert(write, sync.now),
          update: (id, write) => repo.update(id, write, sync.now),
        });
      }
    },
    async export({ db, prepare }) {
      const channels = (await new ChannelsRepository(db).all()).map((row) => {
        const channel = codec.fromRow(row);
        const type = channel.spec.type;
        return prepare(channelKinds.get(type).configSchema, channel.spec, channel.envRefs, channelObjects.secretsOf(channel.spec).isSecret, [
          channel.spec.name,
        ]);
      });
      return channels.length ? { channels } : {};
    },
  };
}
