import { z } from 'zod';
import { knownRefs, uniqueNames, type ConfigSection } from '../config/section.js';
import type { ConfigObjectKindSection } from '../incidents/config-section.js';
import { reportScheduleSchema } from './schedule.schema.js';

interface Named {
  name: string;
}

/** The parts of the file report schedules refer to. */
interface Referencing {
  reports: (Named & { team?: string | undefined; site?: string | undefined; to: string[] })[];
  sites: Named[];
  channels: (Named & { type: string })[];
  contacts: (Named & { channels: string[] })[];
}

/**
 * `reports:` — monthly reports sent by email; names unique, and every site, contact and email channel
 * they name exists (teams are made in the API, so a team is looked up when the report is made).
 */
export const reportsSection = {
  shape: { reports: z.array(reportScheduleSchema).default([]) },
  check: (config, issue) => {
    uniqueNames(config.reports, ['reports'], 'report', issue);
    const sites = new Set(config.sites.map((s) => s.name));
    const emails = new Set(config.channels.filter((c) => c.type === 'email').map((c) => c.name));
    const contacts = new Set(config.contacts.map((c) => c.name));
    config.reports.forEach((r, i) => {
      if (r.site !== undefined && !sites.has(r.site)) issue(['reports', i, 'site'], `no site is named "${r.site}"`);
      knownRefs(r.to, ['reports', i, 'to'], (n) => emails.has(n) || contacts.has(n), 'contact or email channel', issue);
    });
  },
} satisfies ConfigSection<Referencing>;

/** Report schedules are small named objects kept in `config_objects`, like maintenance windows. */
export const reportObjectKinds: ConfigObjectKindSection[] = [{ kind: 'report', section: 'reports', schema: reportScheduleSchema }];
