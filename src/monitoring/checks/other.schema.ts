import { z } from 'zod';
import { duration } from '../../config/duration.js';
import { cronExpression, hostName, port, timezone } from '../../config/fields.js';

export const tcpFields = {
  host: hostName,
  port,
  /** Text to send once connected, e.g. "PING\r\n". */
  send: z.string().max(64_000).optional(),
  /** Text the answer must contain. */
  expect: z.string().max(64_000).optional(),
  tls: z.boolean().default(false),
};

export const dnsRecordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'CAA', 'SOA'] as const;

export const dnsFields = {
  host: hostName,
  recordType: z.enum(dnsRecordTypes).default('A'),
  /** Values that must all be among the answers (e.g. IP addresses, or "10 mx.example.com" for MX). */
  expected: z.array(z.string().min(1)).optional(),
  /** A resolver to ask instead of the system's, e.g. "1.1.1.1" or "127.0.0.1:5353". */
  resolver: z
    .string()
    .regex(/^[0-9a-f.:[\]]+$/i, 'expected a resolver address like "1.1.1.1" or "[2606:4700::1111]:53"')
    .optional(),
};

export const tlsFields = {
  host: hostName,
  port: port.default(443),
  /** The name sent in SNI and matched against the certificate; defaults to host. */
  servername: hostName.optional(),
  warnDays: z.number().int().min(0).max(365).default(21),
  criticalDays: z.number().int().min(0).max(365).default(7),
  minProtocol: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
  minKeyBits: z.number().int().min(0).default(2048),
};

export const domainFields = {
  domain: hostName,
  warnDays: z.number().int().min(0).max(365).default(30),
  criticalDays: z.number().int().min(0).max(365).default(7),
  /** An RDAP base URL to ask instead of the IANA bootstrap registry's. */
  rdapServer: z.string().url().optional(),
};

/**
 * Push monitoring with Healthchecks.io semantics: either `period` (a ping is expected every period)
 * or `schedule` (cron) with an optional `timezone`; `grace` is how late a ping may be.
 */
export const heartbeatFields = {
  period: duration({ min: 1_000 }).optional(),
  schedule: cronExpression.optional(),
  timezone: timezone.default('UTC'),
  grace: duration({ min: 0 }).prefault('1h'),
};
