/**
 * The tenant's single sign-on settings (admin role): the OpenID Connect provider, the group
 * claim and the group-to-role table. The client secret is write-only: stored sealed (see
 * auth/secrets.ts) and never returned.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { USER_ROLES, type OidcProvider } from '@embolus/db';
import { discover, issuerProblem, SsoError } from '../auth/oidc';
import { sealSecret, SecretsError } from '../auth/secrets';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { isoOf } from '../schemas';
import { audit, errors, json, router } from './common';
import { redirectUriOf } from './sso';

export const ssoConfig = router();
ssoConfig.use('/v1/tenant/sso', requireRole(...ROLES_FOR.admin));

const RoleMapSchema = z.array(z.object({ group: z.string().min(1).max(256), role: z.enum(USER_ROLES) })).max(100);

const SsoSettings = z
  .object({
    configured: z.boolean(),
    /** What the IdP must accept as redirect URI. */
    redirectUri: z.string(),
    displayName: z.string().nullable(),
    issuer: z.string().nullable(),
    clientId: z.string().nullable(),
    clientSecretSet: z.boolean(),
    scopes: z.string(),
    groupClaim: z.string(),
    roleMap: RoleMapSchema,
    enabled: z.boolean(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi('SsoSettings');

const SsoUpdate = z.object({
  displayName: z.string().min(1).max(80),
  issuer: z.string().min(8).max(500),
  clientId: z.string().min(1).max(256),
  /** Omit to keep the stored secret. */
  clientSecret: z.string().min(1).max(1024).optional(),
  scopes: z
    .string()
    .max(500)
    .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'space-separated scope tokens')
    .refine((s) => s.split(' ').includes('openid'), 'scopes must include openid')
    .default('openid email profile'),
  groupClaim: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_:./-]+$/, 'a claim name (dots reach into objects)')
    .default('groups'),
  roleMap: RoleMapSchema,
  enabled: z.boolean().default(true),
});

function settings(redirectUri: string, p: OidcProvider | null) {
  return {
    configured: p !== null,
    redirectUri,
    displayName: p?.displayName ?? null,
    issuer: p?.issuer ?? null,
    clientId: p?.clientId ?? null,
    clientSecretSet: p !== null,
    scopes: p?.scopes ?? 'openid email profile',
    groupClaim: p?.groupClaim ?? 'groups',
    roleMap: p?.roleMap ?? [],
    // A new configuration is offered once saved, unless the admin unticks it.
    enabled: p?.enabled ?? true,
    updatedAt: isoOf(p?.updatedAt ?? null),
    updatedBy: p?.updatedBy ?? null,
  };
}

ssoConfig.openapi(
  createRoute({
    method: 'get',
    path: '/v1/tenant/sso',
    tags: ['admin'],
    summary: 'The tenant’s single sign-on settings (never the client secret)',
    responses: { 200: { description: 'Settings', content: json(SsoSettings) }, ...errors() },
  }),
  async (c) => c.json(settings(redirectUriOf(c), await c.get('deps').store.oidc.get(c.get('principal').tenantId)), 200),
);

ssoConfig.openapi(
  createRoute({
    method: 'put',
    path: '/v1/tenant/sso',
    tags: ['admin'],
    summary: 'Configure the tenant’s OpenID Connect provider; the issuer’s discovery document is checked first',
    request: { body: { required: true, content: json(SsoUpdate) } },
    responses: { 200: { description: 'Saved', content: json(SsoSettings) }, ...errors() },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { store, config } = c.get('deps');
    const p = c.get('principal');
    const problem = issuerProblem(body.issuer);
    if (problem) throw new ApiError('VALIDATION_FAILED', problem, { details: { parameter: 'issuer' } });
    const groups = body.roleMap.map((m) => m.group);
    if (new Set(groups).size !== groups.length)
      throw new ApiError('VALIDATION_FAILED', 'each group may appear once in the role map', { details: { parameter: 'roleMap' } });
    const existing = await store.oidc.get(p.tenantId);
    if (!existing && body.clientSecret === undefined)
      throw new ApiError('VALIDATION_FAILED', 'clientSecret is required the first time', { details: { parameter: 'clientSecret' } });
    try {
      await discover(body.issuer, c.get('deps').oidcFetch ?? globalThis.fetch);
    } catch (e) {
      if (e instanceof SsoError)
        throw new ApiError(
          'VALIDATION_FAILED',
          `the issuer could not be reached or is not an OpenID provider (${body.issuer}/.well-known/openid-configuration)`,
          { details: { parameter: 'issuer' } },
        );
      throw e;
    }
    let clientSecret = existing?.clientSecret ?? '';
    if (body.clientSecret !== undefined) {
      try {
        clientSecret = await sealSecret(config.secretsKey, p.tenantId, body.clientSecret);
      } catch (e) {
        if (e instanceof SecretsError) throw new ApiError('CONFLICT', e.message, { details: { setting: 'EMBOLUS_SECRETS_KEY' } });
        throw e;
      }
    }
    const saved = await store.oidc.put({
      tenantId: p.tenantId,
      displayName: body.displayName,
      issuer: body.issuer,
      clientId: body.clientId,
      clientSecret,
      scopes: body.scopes,
      groupClaim: body.groupClaim,
      roleMap: body.roleMap,
      enabled: body.enabled,
      updatedBy: p.keyId,
    });
    await audit(c, existing ? 'sso.update' : 'sso.create', null, {
      enabled: body.enabled,
      mappings: body.roleMap.length,
      secretChanged: body.clientSecret !== undefined,
    });
    return c.json(settings(redirectUriOf(c), saved), 200);
  },
);
