import type { ChannelRow } from '../db/types.js';
import { parseInput } from '../config/validate.js';
import { objectKind, type Stored } from '../lib/stored-object.js';
import { channelKinds, channelSchema, type ChannelSpec, type ChannelType } from './channel.schema.js';

/** A stored channel; its `spec` holds the secrets, for senders, never for API answers. */
export type Channel = Stored<ChannelSpec>;

/** The type a written body names when it is a known one (its secret fields are those of that type). */
const writtenType = (written: unknown): ChannelType | undefined => {
  const type = (written as { type?: unknown } | null)?.type;
  return typeof type === 'string' && channelKinds.has(type) ? (type as ChannelType) : undefined;
};

/** Notification channels as stored objects: name and type in columns, secrets by the channel type's declaration. */
export const channelObjects = objectKind({
  name: 'channel',
  schema: channelSchema,
  parse: (input) => parseInput(channelSchema, input),
  label: (spec) => `channel "${spec.name}"`,
  lifted: ['name', 'type'],
  columns: (spec) => ({ name: spec.name, type: spec.type }),
  fromColumns: (row: ChannelRow) => ({ name: row.name, type: row.type as ChannelType }),
  secrets: (spec, written) => channelKinds.get(writtenType(written) ?? spec.type).secretFields,
  envRefs: true,
});

export type ChannelCodec = ReturnType<typeof channelObjects.codec>;
