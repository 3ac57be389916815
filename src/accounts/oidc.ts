import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/types.js';
import { AppError, describeError } from '../lib/errors.js';
import { guardedFetch, type Resolver } from '../lib/net/index.js';
import type { OidcConfig } from './accounts.schema.js';
import { AccountsRepository } from './accounts.repository.js';
import type { AccountsService } from './accounts.service.js';
import type { AuthService, LoginMeta } from './auth.service.js';

/** What the login flow keeps in a signed cookie between leaving for the provider and coming back. */
export interface FlowState {
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * Logging in with an OpenID Connect provider: authorization code flow with PKCE, state and nonce,
 * the provider reached through the guarded client. The person is matched by verified email to an
 * account (or one is made, if `createUsersAs` says so).
 */
export class OidcLogin {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(
    private readonly spec: OidcConfig,
    private readonly redirectUri: string,
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountsService,
    private readonly auth: AuthService,
    private readonly net: { resolver: Resolver; allowPrivate: boolean; ca?: readonly string[] | undefined },
  ) {}

  get label(): string {
    return this.spec.label;
  }

  private discover(): Promise<client.Configuration> {
    const fetch = guardedFetch({
      policy: { allowPrivate: this.spec.allowPrivateTargets ?? this.net.allowPrivate },
      resolver: this.net.resolver,
      deadlineMs: 10_000,
      ...(this.net.ca ? { tls: { ca: this.net.ca } } : {}),
    }) as client.CustomFetch;
    const issuer = new URL(this.spec.issuer);
    this.configuration ??= client
      .discovery(issuer, this.spec.clientId, this.spec.clientSecret, undefined, {
        [client.customFetch]: fetch,
        // Plain http only for providers on this machine or the LAN, which allowPrivateTargets already vouches for.
        ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .then((config) => {
        config[client.customFetch] = fetch;
        return config;
      })
      .catch((err: unknown) => {
        this.configuration = undefined;
        throw new AppError('unavailable', `the sign-on provider ${this.spec.issuer} cannot be reached: ${describeError(err)}`, { cause: err });
      });
    return this.configuration;
  }

  /** Where to send the browser, and what to remember until it comes back. */
  async start(): Promise<{ url: string; flow: FlowState }> {
    const config = await this.discover();
    const flow = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.spec.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url: url.href, flow };
  }

  /** Finishes the flow from the callback URL: a session for the person, or an error saying why not. */
  async finish(callbackUrl: URL, flow: FlowState, meta: LoginMeta): Promise<{ token: string; csrf: string; user: UserRow }> {
    const config = await this.discover();
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      const idToken = tokens.claims();
      claims = idToken;
      // Most providers put email and name in the userinfo answer rather than in the ID token.
      if (idToken && typeof idToken.email !== 'string') claims = { ...idToken, ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)) };
    } catch (err) {
      throw new AppError('unauthorized', `the sign-on provider did not confirm the login: ${describeError(err)}`, { cause: err });
    }
    const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
    if (!email || claims?.email_verified === false) throw new AppError('unauthorized', 'the sign-on provider gave no verified email address');
    const repo = new AccountsRepository(this.db);
    let user = await repo.getUserByEmail(email);
    if (!user && this.spec.createUsersAs) {
      // The account logs in through the provider; its password is random and never told to anyone.
      const made = await this.accounts.createUser({ email, password: randomBytes(32).toString('base64url'), role: this.spec.createUsersAs });
      if (typeof claims?.name === 'string') await repo.updateUser(made.id, { name: claims.name.slice(0, 200) });
      user = await repo.getUser(made.id);
    }
    if (!user) throw new AppError('forbidden', `no Upkeep account has the email ${email}; ask an admin to make one`);
    return this.auth.loginAs(user, meta, 'single sign-on');
  }
}
