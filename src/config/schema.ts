import { z } from 'zod';
import { duration } from './duration.js';
import { ipOrCidr, port } from './fields.js';

const serverSchema = z
  .object({
    port: port.default(3000),
    host: z.string().default('127.0.0.1'),
    /** The address people reach this server at; used in links sent in alerts and emails. */
    publicUrl: z.url().optional(),
    /**
     * Behind a reverse proxy: whose X-Forwarded-For, -Proto and -Host to believe. The proxies' addresses or
     * ranges (["127.0.0.1"]), or true for any sender (only when nothing reaches Upkeep except through the proxy).
     * Client addresses decide login throttling, rate limits, status page IP lists and the activity log.
     */
    trustProxy: z
      .union([z.boolean(), z.array(ipOrCidr).min(1)], { error: 'expected true, false or a list of proxy addresses like ["127.0.0.1"]' })
      .default(false),
  })
  .strict();

const networkSchema = z
  .object({
    /** Allow checks of loopback, private and link-local addresses (cloud metadata addresses stay refused). */
    allowPrivateTargets: z.boolean().default(false),
    /** DNS servers to resolve with instead of the system's, e.g. ["1.1.1.1", "10.0.0.2:53"]. */
    /** PEM files of certificate authorities to trust besides the bundled ones (a private CA). */
    caFiles: z.array(z.string().min(1)).optional(),
    resolvers: z.array(z.string().regex(/^[0-9a-f.:[\]]+$/i, 'expected a resolver address like "1.1.1.1" or "[::1]:53"')).optional(),
  })
  .strict();

const resultsSchema = z
  .object({
    /** How long raw check results are kept; rollups (minute, hour, day) are kept for good. */
    keepRaw: duration({ min: 3_600_000 }).prefault('30d'),
  })
  .strict();

/**
 * Several Upkeep processes on one PostgreSQL: every node serves everything, checks its share of the
 * monitors and runs a cluster-wide job only while it holds that job's lock (docs/ARCHITECTURE.md, "Cluster mode").
 */
const clusterSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** This node's name, unique in the cluster and kept across restarts (default: the host name). */
    nodeId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected a node name of letters, digits, ".", "_" and "-" (up to 63)')
      .optional(),
    /** A node that has not renewed its lease for this long is taken for dead and its monitors go to the others. */
    leaseSeconds: z.number().int().min(3).max(300).default(15),
  })
  .strict();

const metricsSchema = z.object({ public: z.boolean().default(false) }).strict();

/**
 * The instance's own settings of upkeep.yaml. Every other section is contributed by the feature
 * that owns it (`ConfigSection`), and src/config-file.ts puts them together into the whole file.
 */
export const instanceShape = {
  server: serverSchema.prefault({}),
  network: networkSchema.prefault({}),
  results: resultsSchema.prefault({}),
  metrics: metricsSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
};

export type { Config, ConfigInput } from '../config-file.js';
