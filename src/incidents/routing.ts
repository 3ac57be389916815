import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { minuteOfDay } from '../lib/time.js';
import { ChannelsRepository } from '../notify/channels.repository.js';
import { ConfigObjectsRepository } from './config-objects.repository.js';
import type { ContactSpec, EscalationSpec, RotationSpec } from './incidents.schema.js';

/** A channel to tell, and from when (later than now during a contact's quiet hours). */
export interface Recipient {
  channelId: number;
  channelName: string;
  deliverAt: number;
}

const parseClock = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** When quiet hours that cover `at` end, or undefined when `at` is outside them. */
export function quietUntil(quiet: NonNullable<ContactSpec['quietHours']>, at: number): number | undefined {
  const from = parseClock(quiet.from);
  const to = parseClock(quiet.to);
  const now = minuteOfDay(at, quiet.timezone);
  const inside = from <= to ? now >= from && now < to : now >= from || now < to;
  if (!inside) return undefined;
  const minutesLeft = (to - now + 1440) % 1440 || 1440;
  return at - (at % 60_000) + minutesLeft * 60_000;
}

/** Whose turn it is in a rotation at `at`. */
export function onCall(rotation: RotationSpec, at: number): string {
  const turns = Math.floor((at - Date.parse(rotation.startsAt)) / rotation.every);
  const n = rotation.contacts.length;
  return rotation.contacts[((turns % n) + n) % n]!;
}

/**
 * Who is who, read fresh from the database for each decision: channels by name, contacts,
 * rotations and escalation policies. Turns the names in a step (or a `notify:` list) into channels.
 */
export class Directory {
  private constructor(
    readonly channels: Map<string, number>,
    private readonly contacts: Map<string, ContactSpec>,
    private readonly rotations: Map<string, RotationSpec>,
    readonly policies: Map<string, EscalationSpec>,
  ) {}

  static async load(db: Kysely<Database>): Promise<Directory> {
    const channels = new Map((await new ChannelsRepository(db).all()).map((c) => [c.name, c.id]));
    const objects = await new ConfigObjectsRepository(db).all();
    const of = <T>(kind: string) => new Map(objects.filter((o) => o.kind === kind).map((o) => [o.name, JSON.parse(o.spec) as T]));
    return new Directory(channels, of<ContactSpec>('contact'), of<RotationSpec>('rotation'), of<EscalationSpec>('escalation'));
  }

  /** Every channel, for sites that do not narrow with `notify:`. */
  everyone(at: number): Recipient[] {
    return [...this.channels].map(([channelName, channelId]) => ({ channelId, channelName, deliverAt: at }));
  }

  /** Channels named in a `notify:` list or an escalation step (channels, contacts, rotations), once each. */
  resolve(names: readonly string[], at: number, critical: boolean): Recipient[] {
    const out = new Map<number, Recipient>();
    const addChannel = (name: string, deliverAt: number) => {
      const channelId = this.channels.get(name);
      const existing = channelId === undefined ? undefined : out.get(channelId);
      if (channelId !== undefined && (!existing || existing.deliverAt > deliverAt)) out.set(channelId, { channelId, channelName: name, deliverAt });
    };
    const addContact = (name: string) => {
      const contact = this.contacts.get(name);
      if (!contact) return;
      const held = contact.quietHours && !(critical && contact.quietHours.allowCritical) ? quietUntil(contact.quietHours, at) : undefined;
      for (const channel of contact.channels) addChannel(channel, held ?? at);
    };
    for (const name of names) {
      if (this.channels.has(name)) addChannel(name, at);
      else if (this.contacts.has(name)) addContact(name);
      else if (this.rotations.has(name)) addContact(onCall(this.rotations.get(name)!, at));
    }
    return [...out.values()];
  }
}
