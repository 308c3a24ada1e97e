/**
 * Single sign-on through OpenID Connect, kept out of the handlers: discovery, the authorization
 * request (code flow with PKCE S256, `state` and `nonce`), the token exchange with the ID token
 * checked against the IdP's JWKS, and the group-to-role rule. The protocol work is done by
 * `oauth4webapi` (WebCrypto and fetch only, so the same on Node and Workers). The only network
 * reached is the configured issuer.
 */
import type { RoleMapping, UserRole } from '@embolus/db';
import { EmbolusError } from '@embolus/shared';
import * as oauth from 'oauth4webapi';

/** Why a single sign-on did not start a session. The message is safe to show to the person. */
export type SsoErrorCode =
  | 'SSO_NOT_CONFIGURED'
  | 'SSO_STATE_INVALID'
  | 'SSO_IDP_FAILED'
  | 'SSO_NO_EMAIL'
  | 'SSO_NO_ROLE'
  | 'SSO_USER_DISABLED'
  | 'SSO_ACCOUNT_CONFLICT';

/** A refused or failed single sign-on; names claims and steps, never claim values. */
export class SsoError extends EmbolusError {
  declare readonly code: SsoErrorCode;
  constructor(code: SsoErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}

/** What the API needs of a tenant's IdP to run the flow (the secret already decrypted). */
export interface SsoClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

/** A pending sign-in's secrets, kept server-side until the callback. */
export interface AuthorizationStart {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The identity the IdP vouched for. */
export interface SsoIdentity {
  /** `<issuer> <sub>`: stable across email changes. */
  subject: string;
  email: string;
  groups: string[];
}

/**
 * Plain http is allowed for an issuer on the loopback interface only (a development or test
 * IdP); anything else must be https.
 */
export function isLoopbackIssuer(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

/** Checks an issuer URL as an admin enters it; returns the problem, or null. */
export function issuerProblem(issuer: string): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'issuer must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !isLoopbackIssuer(url)) return 'issuer must use https (plain http only on 127.0.0.1 or localhost)';
  if (url.search || url.hash || url.username || url.password) return 'issuer must not carry a query, fragment or credentials';
  return null;
}

/**
 * The role of a person with `groups`: the first row of `map` whose group they are in, or null
 * (refused: the default is deny).
 */
export function roleForGroups(groups: readonly string[], map: readonly RoleMapping[]): UserRole | null {
  const have = new Set(groups);
  return map.find((m) => have.has(m.group))?.role ?? null;
}

/**
 * The groups in `claims[claimName]`; a dotted name reaches into objects (Keycloak's
 * `realm_access.roles`). A single string counts as one group; anything else as none.
 */
export function groupsOf(claims: Record<string, unknown>, claimName: string): string[] {
  let v: unknown = claims;
  for (const part of claimName.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const discovered = new Map<string, { as: oauth.AuthorizationServer; until: number }>();

function httpOptions(issuer: URL, fetchImpl: typeof fetch) {
  return { [oauth.customFetch]: fetchImpl, [oauth.allowInsecureRequests]: isLoopbackIssuer(issuer), signal: AbortSignal.timeout(10_000) };
}

/** The IdP's metadata (`/.well-known/openid-configuration`), cached for ten minutes. @throws SsoError */
export async function discover(issuer: string, fetchImpl: typeof fetch, now = Date.now()): Promise<oauth.AuthorizationServer> {
  const hit = discovered.get(issuer);
  if (hit && hit.until > now) return hit.as;
  const url = new URL(issuer);
  try {
    const as = await oauth.processDiscoveryResponse(
      url,
      await oauth.discoveryRequest(url, { ...httpOptions(url, fetchImpl), algorithm: 'oidc' }),
    );
    if (discovered.size > 100) discovered.clear();
    discovered.set(issuer, { as, until: now + DISCOVERY_TTL_MS });
    return as;
  } catch (e) {
    throw new SsoError('SSO_IDP_FAILED', 'the identity provider’s discovery document could not be read', {
      cause: e,
      details: { step: 'discovery' },
    });
  }
}

/** Builds the authorization request: a fresh state, nonce and PKCE verifier. */
export async function startAuthorization(client: SsoClient, redirectUri: string, fetchImpl: typeof fetch): Promise<AuthorizationStart> {
  const as = await discover(client.issuer, fetchImpl);
  if (!as.authorization_endpoint)
    throw new SsoError('SSO_IDP_FAILED', 'the identity provider has no authorization endpoint', { details: { step: 'discovery' } });
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', client.scopes);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  return { url, state, nonce, codeVerifier };
}

/**
 * Completes the flow: checks the callback parameters (state, issuer, error), exchanges the code
 * with the PKCE verifier, validates the ID token (issuer, audience, nonce, times, and its
 * signature against the JWKS), and reads email and groups (from the ID token, else UserInfo).
 * @throws SsoError
 */
export async function completeAuthorization(
  client: SsoClient,
  input: { callback: URL; expectedState: string; nonce: string; codeVerifier: string; redirectUri: string; groupClaim: string },
  fetchImpl: typeof fetch,
): Promise<SsoIdentity> {
  const as = await discover(client.issuer, fetchImpl);
  const issuerUrl = new URL(client.issuer);
  const oc: oauth.Client = { client_id: client.clientId };
  const opts = httpOptions(issuerUrl, fetchImpl);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, oc, input.callback.searchParams, input.expectedState);
  } catch (e) {
    const error = e instanceof oauth.AuthorizationResponseError ? e.error : undefined;
    throw new SsoError(
      'SSO_IDP_FAILED',
      error === 'access_denied' ? 'the identity provider denied the sign-in' : 'the identity provider’s answer is not valid',
      {
        cause: e,
        details: { step: 'authorization', ...(error ? { error } : {}) },
      },
    );
  }
  let claims: oauth.IDToken;
  let accessToken: string;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      oc,
      oauth.ClientSecretBasic(client.clientSecret),
      params,
      input.redirectUri,
      input.codeVerifier,
      opts,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, oc, response, { expectedNonce: input.nonce, requireIdToken: true });
    // The token came straight from the IdP over TLS, but the JWKS check costs little and also
    // covers loopback test IdPs on plain http.
    await oauth.validateApplicationLevelSignature(as, response, opts);
    claims = oauth.getValidatedIdTokenClaims(result) as oauth.IDToken;
    accessToken = result.access_token;
  } catch (e) {
    throw new SsoError('SSO_IDP_FAILED', 'the sign-in could not be completed with the identity provider', {
      cause: e,
      details: { step: 'token', ...(e instanceof Error && 'code' in e ? { reason: String(e.code) } : {}) },
    });
  }
  let all: Record<string, unknown> = claims;
  if ((claims[input.groupClaim.split('.')[0] as string] === undefined || typeof claims['email'] !== 'string') && as.userinfo_endpoint) {
    try {
      const info = await oauth.processUserInfoResponse(as, oc, claims.sub, await oauth.userInfoRequest(as, oc, accessToken, opts));
      all = { ...info, ...claims };
    } catch (e) {
      throw new SsoError('SSO_IDP_FAILED', 'the identity provider’s UserInfo could not be read', {
        cause: e,
        details: { step: 'userinfo' },
      });
    }
  }
  const email = all['email'];
  if (typeof email !== 'string' || !email.includes('@'))
    throw new SsoError('SSO_NO_EMAIL', 'the identity provider sent no email address: add the "email" scope and claim', {
      details: { claim: 'email' },
    });
  if (all['email_verified'] === false)
    throw new SsoError('SSO_NO_EMAIL', 'the identity provider says the email address is not verified', {
      details: { claim: 'email_verified' },
    });
  return { subject: `${as.issuer} ${claims.sub}`, email, groups: groupsOf(all, input.groupClaim) };
}
