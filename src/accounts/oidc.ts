import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/types.js';
import { AppError, describeError } from '../lib/errors.js';
import { guardedFetch, type Resolver } from '../lib/net/index.js';
import type { OidcConfig } from './accounts.schema.js';
import { AccountsRepository } from './accounts.repository.js';
import { IdentitiesRepository } from './identities.repository.js';
import type { AccountsService } from './accounts.service.js';
import type { AuthService, LoginMeta } from './auth.service.js';

/** What the login flow keeps in a signed cookie between leaving for the provider and coming back. */
export interface FlowState {
  state: string;
  nonce: string;
  verifier: string;
  /** Set when a logged-in person links their account: their user id, checked against the session on return. */
  link?: number;
}

/** Roles whose accounts are never linked to a provider's identity by email alone. */
const GUARDED_ROLES = new Set(['owner', 'admin']);

/**
 * Logging in with an OpenID Connect provider: authorization code flow with PKCE, state and nonce,
 * the provider reached through the guarded client. A person is found by the identity the provider
 * vouches for (issuer and subject), stored at the first link. The first link of an existing account
 * goes by an email the provider says it verified (`email_verified: true`), never for owners and
 * admins: they link from a logged-in session (or an admin links them), so whoever controls an
 * address at the provider cannot take over the instance. A new account is made only if
 * `createUsersAs` says so.
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
    private readonly now: () => number,
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

  /** The issuer identities are stored under: the provider's own name for itself. */
  async issuer(): Promise<string> {
    return (await this.discover()).serverMetadata().issuer;
  }

  /** Where to send the browser, and what to remember until it comes back; `link`: the logged-in user linking their account. */
  async start(link?: number): Promise<{ url: string; flow: FlowState }> {
    const config = await this.discover();
    const flow: FlowState = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      ...(link === undefined ? {} : { link }),
    };
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

  /**
   * Finishes the flow from the callback URL: a session for the person, or an error saying why not.
   * `sessionUser`: who is logged in in this browser, for a flow that links an account.
   */
  async finish(
    callbackUrl: URL,
    flow: FlowState,
    meta: LoginMeta,
    sessionUser: () => Promise<number | undefined>,
  ): Promise<{ token: string; csrf: string; user: UserRow } | { linked: UserRow }> {
    const config = await this.discover();
    const claims = await this.claims(config, callbackUrl, flow);
    const issuer = config.serverMetadata().issuer;
    const repo = new AccountsRepository(this.db);
    const identities = new IdentitiesRepository(this.db);
    if (flow.link !== undefined) {
      if ((await sessionUser()) !== flow.link) throw new AppError('unauthorized', 'log in to Upkeep again, then link single sign-on from your account');
      const owner = await identities.userFor(issuer, claims.sub);
      if (owner !== undefined && owner !== flow.link) throw new AppError('conflict', 'this sign-on identity is linked to another Upkeep account already');
      await identities.link(flow.link, issuer, claims.sub, this.now());
      return { linked: (await repo.getUser(flow.link))! };
    }
    const known = await identities.userFor(issuer, claims.sub);
    if (known !== undefined) return this.auth.loginAs((await repo.getUser(known))!, meta, 'single sign-on');

    // First login with this identity: by an email the provider verified, and only into an account not linked elsewhere.
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
    if (!email || claims.email_verified !== true) throw new AppError('unauthorized', 'the sign-on provider gave no verified email address');
    let user = await repo.getUserByEmail(email);
    if (user && GUARDED_ROLES.has(user.role))
      throw new AppError(
        'forbidden',
        `the account ${email} is an ${user.role}: link single sign-on from its account page while logged in (or ask an owner to link it), not by email`,
      );
    if (user && (await identities.subjectOf(user.id, issuer)) !== undefined)
      throw new AppError('forbidden', `the account ${email} is linked to another identity at this provider; ask an admin`);
    if (!user && this.spec.createUsersAs) {
      // The account logs in through the provider; its password is random and never told to anyone.
      const made = await this.accounts.createUser({ email, password: randomBytes(32).toString('base64url'), role: this.spec.createUsersAs });
      if (typeof claims.name === 'string') await repo.updateUser(made.id, { name: claims.name.slice(0, 200) });
      user = await repo.getUser(made.id);
    }
    if (!user) throw new AppError('forbidden', `no Upkeep account has the email ${email}; ask an admin to make one`);
    await identities.link(user.id, issuer, claims.sub, this.now());
    return this.auth.loginAs(user, meta, 'single sign-on (linked by verified email)');
  }

  /** The ID token's claims with the userinfo answer (most providers put email and name there), as the provider confirmed them. */
  private async claims(config: client.Configuration, callbackUrl: URL, flow: FlowState): Promise<Record<string, unknown> & { sub: string }> {
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('no ID token');
      if (typeof idToken.email === 'string' && idToken.email_verified !== undefined) return idToken;
      // fetchUserInfo checks that the answer is about the same subject.
      return { ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
    } catch (err) {
      throw new AppError('unauthorized', `the sign-on provider did not confirm the login: ${describeError(err)}`, { cause: err });
    }
  }
}
