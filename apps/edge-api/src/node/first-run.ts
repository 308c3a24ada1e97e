/**
 * The first start of the one-command stack: a tenant and an admin user, created once (when the
 * database has no user at all).
 */
import type { Store } from '@embolus/db';
import { createUser, type CreatedUser } from './users-cli';

/**
 * Creates `tenant` and an admin `email` when no user exists yet; `password` empty or undefined:
 * a generated one (returned once, in `generatedPassword`). @returns null when users exist.
 */
export async function ensureFirstAdmin(
  store: Store,
  input: { tenant: string; email: string; password?: string | undefined },
): Promise<CreatedUser | null> {
  const any = await store.driver.select('SELECT 1 AS one FROM users LIMIT 1', []);
  if (any.length > 0) return null;
  return createUser(store, { tenant: input.tenant, email: input.email, role: 'admin', password: input.password });
}
