/**
 * Password hashing with scrypt (memory-hard), from `node:crypto`: native on Node and provided by
 * Workers' `nodejs_compat`. The stored form carries its parameters, `scrypt$N$r$p$salt$hash`
 * (salt and hash base64url), so they can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { EmbolusError } from '@embolus/shared';

/**
 * N = 2^15, r = 8: 32 MiB of memory per hash (OWASP's scrypt minimum is 2^17 with r = 8, p = 1 or
 * equivalent cost; 2^15 keeps a Workers isolate well under its 128 MB).
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;
/** Bounds checked before any hashing, so a huge body cannot make the hash expensive. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** A password that breaks the policy; the message names the rule, never the value. */
export class PasswordError extends EmbolusError {
  constructor(message: string) {
    super('WEAK_PASSWORD', message);
  }
}

const b64 = (b: Buffer) => b.toString('base64url');

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    // maxmem: scrypt needs 128·N·r bytes; twice that leaves room for its bookkeeping.
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Checks the password policy. @throws PasswordError */
export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN) throw new PasswordError(`a password needs at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw new PasswordError(`a password has at most ${PASSWORD_MAX} characters`);
}

/** Hashes a password that passes the policy. */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  const { N, r, p, keyLength } = SCRYPT_PARAMS;
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Whether `password` matches `stored` (constant-time compare). A malformed stored hash, or
 * parameters outside sane bounds, never match.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX) return false;
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5] as string, 'base64url');
  if (expected.length < 16 || expected.length > 64) return false;
  const key = await derive(password, Buffer.from(m[4] as string, 'base64url'), N, r, p, expected.length);
  return timingSafeEqual(key, expected);
}

/** A hash of a random password, verified against when the email is unknown so both paths take as long. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(b64(randomBytes(18)));
  return dummy;
}

/** A random password for generated accounts: 20 base64url characters (120 bits). */
export function generatePassword(): string {
  return b64(randomBytes(15));
}
