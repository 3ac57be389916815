/** What an audit looks at. Each category can run on its own schedule. */
export const auditCategories = ['security', 'performance', 'privacy', 'accessibility', 'links'] as const;
export type AuditCategory = (typeof auditCategories)[number];

/** Whether a score or grade key belongs to a category: its own name, `<category>-…` (performance-desktop), or TLS under security. */
export const scoreOfCategory = (key: string, category: AuditCategory): boolean =>
  key === category || key.startsWith(`${category}-`) || (category === 'security' && key === 'tls');

/** How much a finding matters, worst first; the order is used for sorting and for "got worse". */
export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof severities)[number];

/**
 * One thing an audit found. `id` is stable across runs for the same problem on the same subject
 * (`security.exposed-file:/.env`), so history can tell a new finding from one seen before.
 */
export interface Finding {
  id: string;
  category: AuditCategory;
  severity: Severity;
  title: string;
  /** What was observed, quoted as found: a header value, a URL, a cookie, a response excerpt. */
  evidence: string;
  /** What to change, in words a site owner can act on. */
  fix: string;
}

/** A third party the page talked to before any consent was given. */
export interface ThirdParty {
  /** Registrable domain, e.g. "googleapis.com". */
  domain: string;
  /** Entity name from third-party-web when it knows the domain, e.g. "Google Fonts". */
  entity?: string;
  categories: string[];
  requests: number;
  /** Country of the first host address when a GeoIP database is configured. */
  country?: string;
}

/** Facts kept with an audit so later audits can be compared with it. */
export interface AuditFacts {
  certificate?: { fingerprint256: string; subject: string; issuer: string; validTo: string };
  thirdParties?: ThirdParty[];
  /** Software seen (Server, X-Powered-By, generator, script libraries), kept for patch management. */
  technologies?: { name: string; version?: string; source: string }[];
  /** Lighthouse figures per form factor, medians of the runs. */
  performance?: Record<string, PerformanceFacts>;
}

export interface PerformanceFacts {
  score: number;
  runs: number;
  metrics: Record<string, number>;
  /** Core Web Vitals bands: good, needs-improvement, poor. */
  vitals: Record<string, 'good' | 'needs-improvement' | 'poor'>;
  resources: Record<string, { requests: number; bytes: number }>;
}

/** Evidence kept beside an audit: request log, cookie list, screenshot (base64 PNG). */
export interface Artifact {
  name: string;
  contentType: string;
  /** Text, or base64 for binary content types. */
  content: string;
}

/** What one category's run produced. */
export interface CategoryResult {
  scores: Record<string, number>;
  grades: Record<string, string>;
  findings: Finding[];
  facts: AuditFacts;
  artifacts: Artifact[];
}

export type ProgressEvent =
  | { type: 'category-start'; category: AuditCategory }
  | { type: 'category-done'; category: AuditCategory; findings: number; ms: number }
  | { type: 'category-failed'; category: AuditCategory; message: string }
  | { type: 'step'; category: AuditCategory; message: string };

export const emptyResult = (): CategoryResult => ({ scores: {}, grades: {}, findings: [], facts: {}, artifacts: [] });
