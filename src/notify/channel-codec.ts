import type { ChannelRow, ManagedBy } from '../db/types.js';
import { canonicalJson } from '../lib/json.js';
import { mergeSecrets, splitSecrets, type SecretBox } from '../lib/secrets.js';
import { channelKinds, type ChannelSpec } from './channel.schema.js';
import type { ChannelWrite } from './channels.repository.js';

export interface Channel {
  id: number;
  /** The whole definition, secrets included: for senders, never for API answers. */
  spec: ChannelSpec;
  managedBy: ManagedBy;
  envRefs: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** Turns stored channel rows into domain objects and back, sealing secret fields. */
export class ChannelCodec {
  constructor(private readonly box: SecretBox) {}

  fromRow(row: ChannelRow): Channel {
    const plain = JSON.parse(row.spec) as Record<string, unknown>;
    const secrets = row.secrets ? this.box.open<Record<string, string>>(row.secrets) : {};
    return {
      id: row.id,
      spec: { ...mergeSecrets(plain, secrets), name: row.name, type: row.type } as ChannelSpec,
      managedBy: row.managed_by,
      envRefs: row.env_refs ? (JSON.parse(row.env_refs) as Record<string, string>) : {},
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  toWrite(spec: ChannelSpec, managedBy: ManagedBy, envRefs: Record<string, string>): ChannelWrite {
    const { name, type, ...rest } = spec;
    const { plain, secrets } = splitSecrets(rest, channelKinds.get(type).secretFields.isSecret);
    return {
      name,
      type,
      spec: canonicalJson(plain),
      secrets: Object.keys(secrets).length ? this.box.seal(secrets) : null,
      envRefs: Object.keys(envRefs).length ? canonicalJson(envRefs) : null,
      managedBy,
    };
  }
}
