import type { AuditsConfig } from './config.js';
import type { AuditNet } from './net.js';
import type { AuditCategory } from './types.js';

/** What every category's run gets: the target, the guarded network, the settings, a way to report progress. */
export interface AuditContext {
  url: URL;
  net: AuditNet;
  config: AuditsConfig;
  /** Where the site answers the other scheme when the audited URL has a non-default port. */
  ports: { http?: number | undefined; https?: number | undefined };
  /** The data directory: an updated retire.js repository lives there. */
  dataDir?: string | undefined;
  step(category: AuditCategory, message: string): void;
}
