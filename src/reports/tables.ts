import type { Generated, Kysely } from 'kysely';
import type { Database, Millis } from '../db/types.js';

/** The tables of migration 0502, kept beside the capability (see objectives/tables.ts). */
export interface ReportArchiveTable {
  id: Generated<number>;
  schedule: string | null;
  title: string;
  month: string;
  language: string;
  html: string;
  pdf: string;
  recipients: string;
  created_at: Millis;
}

export interface ReportArchiveSitesTable {
  report_id: number;
  site_id: number;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type ReportTables = { report_archive: ReportArchiveTable; report_archive_sites: ReportArchiveSitesTable };

export type ReportsDb = Kysely<Database & ReportTables>;

export const withReportTables = (db: Kysely<Database>): ReportsDb => db.withTables<ReportTables>();
