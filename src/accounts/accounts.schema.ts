import { z } from 'zod';
import type { ConfigSection } from '../config/section.js';
import { duration } from '../config/duration.js';
import { httpUrl } from '../config/fields.js';

/**
 * `accounts:` in upkeep.yaml: how long sessions live, and an optional OpenID Connect provider
 * (Keycloak, Entra ID, Google, Authentik…) to log in with instead of a password.
 */
export const accountsConfigSchema = z
  .object({
    sessionIdle: duration({ min: 60_000 }).prefault('12h'),
    sessionMaxAge: duration({ min: 60_000 }).prefault('7d'),
    oidc: z
      .object({
        issuer: httpUrl,
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
        /** The button's text on the login page. */
        label: z.string().max(60).default('Log in with single sign-on'),
        /** Make an account with this role for someone the provider knows and Upkeep does not; off: only existing accounts may log in. */
        createUsersAs: z.enum(['admin', 'editor', 'viewer']).optional(),
        /** Let the provider be on a private or loopback address (a company's own Keycloak). */
        allowPrivateTargets: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type AccountsConfig = z.output<typeof accountsConfigSchema>;
export type OidcConfig = NonNullable<AccountsConfig['oidc']>;

/** `accounts:` of upkeep.yaml: session lengths and single sign-on. */
export const accountsSection = { shape: { accounts: accountsConfigSchema.prefault({}) } } satisfies ConfigSection<unknown>;
