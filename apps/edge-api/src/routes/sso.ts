/**
 * Single sign-on through a tenant's OpenID Connect provider (public routes): which providers
 * the sign-in page offers, the start (a redirect to the IdP) and the callback, which provisions
 * the user and starts the normal dashboard session (same cookie and CSRF token as a password
 * sign-in). A refusal sends the browser back to the sign-in page with `?sso_error=<code>`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { randomToken, sha256Hex } from '@embolus/db';
import { completeAuthorization, roleForGroups, SsoError, startAuthorization } from '../auth/oidc';
import { openSecret } from '../auth/secrets';
import { clientAddress, isHttps, sessionCookie } from '../auth/sessions';
import { provisionSsoUser, SSO_ACTOR } from '../auth/sso-users';
import type { AppEnv } from '../deps';
import { errors, json, router } from './common';

export const sso = router();

/** Cookie binding a pending sign-in to the browser that started it (login CSRF defence). */
const BINDING_COOKIE = 'embolus_oidc';
/** A sign-in must come back from the IdP within this time. */
const LOGIN_TTL_MS = 10 * 60_000;
export const CALLBACK_PATH = '/v1/auth/oidc/callback';

/** The redirect URI registered at the IdP: EMBOLUS_PUBLIC_BASE_URL, else the request's origin. */
export function redirectUriOf(c: Context<AppEnv>): string {
  return `${c.get('deps').config.publicBaseUrl ?? new URL(c.req.url).origin}${CALLBACK_PATH}`;
}

/** A same-site path to return to, else the worklist. */
function safeNext(next: string | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && next.length <= 500 ? next : '/';
}

function bindingCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  // Lax, not Strict: the callback is a top-level navigation coming from the IdP's site.
  return `${BINDING_COOKIE}=${value}; Path=/v1/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

const fetchOf = (c: Context<AppEnv>) => c.get('deps').oidcFetch ?? globalThis.fetch;

sso.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/sso',
    tags: ['auth'],
    summary: 'Identity providers the sign-in page offers ("Sign in with …")',
    security: [],
    responses: {
      200: {
        description: 'Providers',
        content: json(z.object({ providers: z.array(z.object({ tenantId: z.string(), name: z.string(), startUrl: z.string() })) })),
      },
      ...errors(),
    },
  }),
  async (c) => {
    const rows = await c.get('deps').store.oidc.listEnabled();
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        providers: rows.map((r) => ({
          tenantId: r.tenantId,
          name: r.displayName,
          startUrl: `/v1/auth/oidc/${encodeURIComponent(r.tenantId)}/start`,
        })),
      },
      200,
    );
  },
);

sso.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/oidc/{tenantId}/start',
    tags: ['auth'],
    summary: 'Start single sign-on: redirects to the tenant’s IdP (code flow, PKCE, state, nonce)',
    security: [],
    request: {
      params: z.object({
        tenantId: z
          .string()
          .min(1)
          .max(64)
          .openapi({ param: { name: 'tenantId', in: 'path' } }),
      }),
      query: z.object({ next: z.string().max(500).optional() }),
    },
    responses: { 302: { description: 'To the IdP, or back to the sign-in page with `sso_error`' } },
  }),
  async (c) => {
    const { store, clock, logger, rateLimiter, config } = c.get('deps');
    const { tenantId } = c.req.valid('param');
    // Each start stores a pending sign-in: bounded per client address like password sign-ins.
    const hit = await rateLimiter.hit(`sso:start:${clientAddress(c)}`, config.session.signInPerMinute * 3, 60_000);
    if (!hit.allowed) {
      c.header('Retry-After', String(Math.max(1, Math.ceil((hit.resetAt - clock.now()) / 1000))));
      return c.redirect('/sign-in?sso_error=RATE_LIMITED', 302);
    }
    try {
      const p = await store.oidc.get(tenantId);
      if (!p?.enabled) throw new SsoError('SSO_NOT_CONFIGURED', 'single sign-on is not configured for this organisation');
      const redirectUri = redirectUriOf(c);
      const start = await startAuthorization(
        { issuer: p.issuer, clientId: p.clientId, clientSecret: '', scopes: p.scopes },
        redirectUri,
        fetchOf(c),
      );
      const binding = randomToken(24);
      await store.oidc.startLogin(start.state, {
        tenantId,
        browserHash: await sha256Hex(binding),
        codeVerifier: start.codeVerifier,
        nonce: start.nonce,
        nextPath: safeNext(c.req.valid('query').next),
        expiresAt: clock.now() + LOGIN_TTL_MS,
      });
      c.header('Set-Cookie', bindingCookie(binding, LOGIN_TTL_MS / 1000, isHttps(c)));
      c.header('Cache-Control', 'no-store');
      return c.redirect(start.url.toString(), 302);
    } catch (e) {
      if (!(e instanceof SsoError)) throw e;
      logger.log('warn', 'sso.start_failed', { code: e.code, tenantId, ...e.details });
      return c.redirect(`/sign-in?sso_error=${e.code}`, 302);
    }
  },
);

sso.openapi(
  createRoute({
    method: 'get',
    path: CALLBACK_PATH,
    tags: ['auth'],
    summary: 'Where the IdP sends the browser back; starts the dashboard session',
    security: [],
    responses: { 302: { description: 'Signed in (to the page the sign-in started from), or to the sign-in page with `sso_error`' } },
  }),
  async (c) => {
    const { store, config, logger } = c.get('deps');
    const secure = isHttps(c);
    const url = new URL(c.req.url);
    let tenantId: string | null = null;
    try {
      const state = url.searchParams.get('state') ?? '';
      const login = await store.oidc.takeLogin(state);
      const binding = getCookie(c, BINDING_COOKIE);
      if (!login || !binding || !((await sha256Hex(binding)) === login.browserHash)) {
        throw new SsoError('SSO_STATE_INVALID', 'this sign-in link is not valid (expired, used, or from another browser): start again');
      }
      tenantId = login.tenantId;
      const p = await store.oidc.get(login.tenantId);
      if (!p?.enabled) throw new SsoError('SSO_NOT_CONFIGURED', 'single sign-on is not configured for this organisation');
      const clientSecret = await openSecret(config.secretsKey, p.tenantId, p.clientSecret).catch((e: unknown) => {
        throw new SsoError('SSO_IDP_FAILED', 'the identity provider’s client secret cannot be read', {
          cause: e,
          details: { step: 'secret' },
        });
      });
      const identity = await completeAuthorization(
        { issuer: p.issuer, clientId: p.clientId, clientSecret, scopes: p.scopes },
        {
          callback: url,
          expectedState: state,
          nonce: login.nonce,
          codeVerifier: login.codeVerifier,
          redirectUri: redirectUriOf(c),
          groupClaim: p.groupClaim,
        },
        fetchOf(c),
      );
      const role = roleForGroups(identity.groups, p.roleMap);
      if (!role) {
        throw new SsoError('SSO_NO_ROLE', 'none of your groups at the identity provider gives access to Embolus: ask an administrator', {
          details: { groupCount: identity.groups.length, claim: p.groupClaim },
        });
      }
      const user = await provisionSsoUser(store, p.tenantId, identity, role);
      const { token } = await store.sessions.create({ userId: user.id, tenantId: user.tenantId, ttlMs: config.session.ttlMs });
      await store.audit.write({
        tenantId: user.tenantId,
        keyId: `user:${user.id}`,
        role: user.role,
        action: 'auth.sign_in',
        detail: { via: 'sso' },
      });
      c.header('Set-Cookie', sessionCookie(token, config.session.ttlMs / 1000, secure), { append: true });
      c.header('Set-Cookie', bindingCookie('', 0, secure), { append: true });
      c.header('Cache-Control', 'no-store');
      return c.redirect(login.nextPath, 302);
    } catch (e) {
      if (!(e instanceof SsoError)) throw e;
      // Audited under the tenant when known; the client address is hashed, as for password sign-ins.
      await store.audit.write({
        tenantId: tenantId ?? '-',
        keyId: SSO_ACTOR,
        role: null,
        action: 'auth.sso_refused',
        detail: { reason: e.code, ...e.details, client: (await sha256Hex(clientAddress(c))).slice(0, 16) },
      });
      logger.log('warn', 'sso.refused', { code: e.code, ...e.details });
      c.header('Set-Cookie', bindingCookie('', 0, secure));
      return c.redirect(`/sign-in?sso_error=${e.code}`, 302);
    }
  },
);
