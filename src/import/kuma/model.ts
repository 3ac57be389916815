/**
 * What Upkeep reads from Uptime Kuma, whichever form it came in (a 1.23 or 2.0 SQLite database, or
 * the JSON backup 1.23 exports). Field names follow Kuma's own (camelCase, as its API sends them).
 */
export interface KumaMonitor {
  id: number;
  name: string;
  type: string;
  active: boolean;
  parent: number | null;
  description: string | null;
  url: string | null;
  method: string | null;
  headers: string | null;
  body: string | null;
  httpBodyEncoding: string | null;
  authMethod: string | null;
  basicAuthUser: string | null;
  basicAuthPass: string | null;
  /** Seconds, as Kuma stores them. */
  interval: number;
  retryInterval: number;
  timeout: number;
  resendInterval: number;
  maxretries: number;
  upsideDown: boolean;
  ignoreTls: boolean;
  maxredirects: number;
  acceptedStatusCodes: string[];
  keyword: string | null;
  invertKeyword: boolean;
  jsonPath: string | null;
  /** 2.0 only; 1.23 always compares with "==". */
  jsonPathOperator: string | null;
  expectedValue: string | null;
  hostname: string | null;
  port: number | null;
  dnsResolveType: string | null;
  dnsResolveServer: string | null;
  expiryNotification: boolean;
  proxyId: number | null;
  /** 2.0: "4", "6" or null. */
  ipFamily: string | null;
  /** 2.0: extra conditions (JSON), used by its DNS monitor. */
  conditions: string | null;
  notificationIds: number[];
  tags: { name: string; value: string }[];
}

export interface KumaNotification {
  id: number;
  name: string;
  active: boolean;
  /** Kuma keeps each provider's form as JSON; `type` names the provider ("webhook", "PagerDuty", …). */
  config: Record<string, unknown>;
}

export interface KumaMaintenance {
  id: number;
  title: string;
  description: string;
  active: boolean;
  /** manual, single, cron, recurring-interval, recurring-weekday, recurring-day-of-month */
  strategy: string;
  startDate: string | null;
  endDate: string | null;
  cron: string | null;
  /** Seconds. */
  duration: number | null;
  /** An IANA zone, "SAME_AS_SERVER" or "UTC". */
  timezone: string | null;
  monitorIds: number[];
  statusPageIds: number[];
}

export interface KumaStatusPage {
  id: number;
  slug: string;
  title: string;
  description: string | null;
  icon: string | null;
  footerText: string | null;
  customCss: string | null;
  published: boolean;
  googleAnalyticsId: string | null;
  domains: string[];
  groups: { name: string; monitorIds: number[] }[];
  incidents: string[];
}

/** An object of Kuma's that Upkeep has nothing for (proxies, Docker hosts, users, …), listed as not imported. */
export interface KumaOther {
  kind: string;
  name: string;
  reason: string;
}

export interface KumaData {
  /** "Uptime Kuma 1.23 database", "Uptime Kuma 2.0 database", "Uptime Kuma 1.23.17 JSON backup". */
  describe: string;
  /** Kuma's own server time zone, which maintenance windows in "SAME_AS_SERVER" follow. */
  serverTimezone: string | null;
  monitors: KumaMonitor[];
  notifications: KumaNotification[];
  maintenance: KumaMaintenance[];
  statusPages: KumaStatusPage[];
  others: KumaOther[];
}
