import { createRequire } from 'node:module';
import { AccountsService } from './accounts/accounts.service.js';
import { ActivityLog } from './accounts/activity.js';
import { AuthService } from './accounts/auth.service.js';
import { UsersService } from './accounts/users.service.js';
import { AuditService } from './audits/audit.service.js';
import { ConfigSync } from './config/apply.js';
import { configStores } from './config-file.js';
import type { Environment } from './config/env.js';
import { exportConfig } from './config/export.js';
import { openStorage, type Storage } from './db/connection.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import { loadSecretBox, type SecretBox } from './lib/secrets.js';
import { channelObjects, type ChannelCodec } from './notify/channel-codec.js';
import { followPrivacyAudits } from './privacy-records/follow-audits.js';
import { ChannelsService } from './notify/channels.service.js';
import { SiteCodec, SitesService } from './sites/sites.service.js';
import { statusPageObjects, type StatusPageCodec } from './status-pages/status-pages.service.js';

export const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface CoreOptions {
  dataDir: string;
  env: Environment;
  logger: Logger;
  clock?: Clock;
}

/** The services every command and the server share, over one open database. */
export interface Core {
  storage: Storage;
  /** Where files beside the database live (screenshots of update runs, refreshed knowledge). */
  dataDir: string;
  clock: Clock;
  logger: Logger;
  env: Environment;
  accounts: AccountsService;
  auth: AuthService;
  users: UsersService;
  activity: ActivityLog;
  sites: SitesService;
  siteCodec: SiteCodec;
  channelCodec: ChannelCodec;
  statusPageCodec: StatusPageCodec;
  secrets: SecretBox;
  audits: AuditService;
  sync: ConfigSync;
  /** Notification channels (the API's use cases; sending is notify/deliver.ts). */
  channels: ChannelsService;
  exportConfig(options: { includeSecrets: boolean }): ReturnType<typeof exportConfig>;
  close(): Promise<void>;
}

/** Opens the database (running pending migrations) and builds the services on it. */
export async function openCore(options: CoreOptions): Promise<Core> {
  const clock = options.clock ?? systemClock;
  const storage = openStorage({ url: options.env.databaseUrl, dataDir: options.dataDir, synchronous: options.env.sqliteSynchronous });
  try {
    const applied = await storage.migrate();
    if (applied.length) options.logger.info({ migrations: applied, database: storage.location }, 'database migrated');
  } catch (err) {
    await storage.close();
    throw err;
  }
  const box = loadSecretBox(options.dataDir, options.env.vars);
  const siteCodec = new SiteCodec(box);
  const accounts = new AccountsService(storage.db, clock);
  const auth = new AuthService(storage.db, accounts, box, clock);
  const channelCodec = channelObjects.codec(box);
  const statusPageCodec = statusPageObjects.codec(box);
  const sites = new SitesService(storage.db, siteCodec, clock);
  const audits = new AuditService(storage.db, sites, clock, { dataDir: options.dataDir });
  followPrivacyAudits(audits, storage.db, clock);
  const stores = configStores({ sites: siteCodec, channels: channelCodec, statusPages: statusPageCodec, secrets: box }, clock);
  return {
    storage,
    dataDir: options.dataDir,
    clock,
    logger: options.logger,
    env: options.env,
    accounts,
    auth,
    users: new UsersService(storage.db, accounts, auth, clock),
    activity: new ActivityLog(storage.db, clock, options.logger),
    sites,
    siteCodec,
    channelCodec,
    statusPageCodec,
    secrets: box,
    audits,
    sync: new ConfigSync(storage.db, clock, stores.apply),
    channels: new ChannelsService(storage.db, channelCodec, clock),
    exportConfig: (opts) => exportConfig(storage.db, stores.export, opts),
    close: () => storage.close(),
  };
}
