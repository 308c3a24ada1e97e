/**
 * Secrets at rest (an IdP's client secret): AES-256-GCM with a key from `EMBOLUS_SECRETS_KEY`
 * (on Node, made once in the data folder when unset). WebCrypto only, so the same on Workers.
 * Stored form: `v1.<iv base64url>.<ciphertext+tag base64url>`; the tenant id is the additional
 * data, so a ciphertext copied to another tenant's row does not decrypt.
 */
import { Buffer } from 'node:buffer';
import { EmbolusError } from '@embolus/shared';

/** A secret could not be sealed or opened (no key, wrong key, tampered). Names no value. */
export class SecretsError extends EmbolusError {
  constructor(code: 'SECRETS_KEY_MISSING' | 'SECRET_UNREADABLE', message: string) {
    super(code, message);
  }
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const fromB64url = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

/** Whether `key` is 32 bytes of base64 (or base64url): what EMBOLUS_SECRETS_KEY must be. */
export function isSecretsKey(key: string): boolean {
  return /^[A-Za-z0-9+/_-]{43}=?$/.test(key) && Buffer.from(key, 'base64').length === 32;
}

async function importKey(key: string | undefined): Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>> {
  if (!key) throw new SecretsError('SECRETS_KEY_MISSING', 'EMBOLUS_SECRETS_KEY is not set: secrets cannot be stored or read');
  return crypto.subtle.importKey('raw', new Uint8Array(Buffer.from(key, 'base64')), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Encrypts `plain` for `tenantId`. @throws SecretsError without a key */
export async function sealSecret(key: string | undefined, tenantId: string, plain: string): Promise<string> {
  const k = await importKey(key);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(tenantId) },
    k,
    new TextEncoder().encode(plain),
  );
  return `v1.${b64url(iv)}.${b64url(new Uint8Array(ct))}`;
}

/** Decrypts what {@link sealSecret} made for `tenantId`. @throws SecretsError */
export async function openSecret(key: string | undefined, tenantId: string, sealed: string): Promise<string> {
  const k = await importKey(key);
  const m = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(sealed);
  if (!m) throw new SecretsError('SECRET_UNREADABLE', 'the stored secret is not in the v1 format');
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromB64url(m[1] as string), additionalData: new TextEncoder().encode(tenantId) },
      k,
      fromB64url(m[2] as string),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new SecretsError('SECRET_UNREADABLE', 'the stored secret does not decrypt with EMBOLUS_SECRETS_KEY (was the key changed?)');
  }
}
