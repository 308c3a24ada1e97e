/**
 * Just-in-time provisioning of people who sign in through their hospital's IdP: the IdP's
 * subject is the link, an existing account of the same tenant with the same email is linked on
 * first sign-in, and the role follows the person's groups at every sign-in.
 */
import { NO_PASSWORD, type Store, type UserInfo, type UserRole } from '@embolus/db';
import { SsoError, type SsoIdentity } from './oidc';

/** The actor recorded in the audit log for changes single sign-on makes. */
export const SSO_ACTOR = 'sso';

/** Finds, links or creates the user of `identity` in `tenantId` with `role`. @throws SsoError */
export async function provisionSsoUser(store: Store, tenantId: string, identity: SsoIdentity, role: UserRole): Promise<UserInfo> {
  const audit = (action: string, userId: string, detail: Record<string, unknown>) =>
    store.audit.write({ tenantId, keyId: SSO_ACTOR, role: null, action, detail: { userId, ...detail } });
  let user = await store.users.byOidcSubject(identity.subject);
  if (!user) {
    const byEmail = await store.users.byEmail(identity.email);
    if (byEmail && (byEmail.tenantId !== tenantId || (byEmail.oidcSubject !== null && byEmail.oidcSubject !== identity.subject))) {
      throw new SsoError('SSO_ACCOUNT_CONFLICT', 'an account with this email exists elsewhere: ask an administrator', {
        details: { claim: 'email' },
      });
    }
    if (byEmail) {
      user = await store.users.update(tenantId, byEmail.id, { oidcSubject: identity.subject });
      if (user) await audit('user.sso_linked', user.id, {});
    } else {
      user = await store.users.create({ tenantId, email: identity.email, role, passwordHash: NO_PASSWORD, oidcSubject: identity.subject });
      await audit('user.sso_provisioned', user.id, { role });
    }
  }
  if (!user || user.tenantId !== tenantId)
    throw new SsoError('SSO_ACCOUNT_CONFLICT', 'this identity belongs to another organisation’s account', { details: { claim: 'sub' } });
  if (user.disabledAt !== null)
    throw new SsoError('SSO_USER_DISABLED', 'this account is disabled: ask an administrator', { details: { userId: user.id } });
  if (user.role !== role) {
    const before = user.role;
    user = (await store.users.update(tenantId, user.id, { role })) ?? user;
    await audit('user.role_change', user.id, { from: before, to: role, via: 'sso-groups' });
  }
  return user;
}
