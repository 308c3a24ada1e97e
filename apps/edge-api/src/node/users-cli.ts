/**
 * `embolus-api users create`: a dashboard account in a tenant (created when absent). The
 * password comes from EMBOLUS_USER_PASSWORD, or is generated and printed once on stdout.
 */
import { USER_ROLES, type Store, type UserRole } from '@embolus/db';
import { generatePassword, hashPassword, checkPasswordPolicy } from '../auth/password';

/** What `users create` made; `password` only when it was generated. */
export interface CreatedUser {
  userId: string;
  tenantName: string;
  email: string;
  role: UserRole;
  generatedPassword: string | null;
}

/** Whether `role` is a role a person can have. */
export function isUserRole(role: string): role is UserRole {
  return (USER_ROLES as readonly string[]).includes(role);
}

/**
 * Creates the user (and the tenant when absent). `password` undefined or empty: a generated one.
 * @throws PasswordError for a password that breaks the policy; DbError CONFLICT for a taken email.
 */
export async function createUser(
  store: Store,
  input: { tenant: string; email: string; role: UserRole; password?: string | undefined },
): Promise<CreatedUser> {
  const generated = input.password ? null : generatePassword();
  const password = input.password || (generated as string);
  checkPasswordPolicy(password);
  const tenant = await store.tenants.ensure(input.tenant);
  const user = await store.users.create({
    tenantId: tenant.id,
    email: input.email,
    role: input.role,
    passwordHash: await hashPassword(password),
  });
  return { userId: user.id, tenantName: tenant.name, email: user.email, role: user.role, generatedPassword: generated };
}
