/**
 * The service configuration, parsed once from environment strings (Node `process.env`, or the
 * `[vars]` of wrangler.toml on Workers). Every limit has a default; nothing else reads env.
 */
import { z } from 'zod';
import { parseCidr, type Cidr } from './ip-ranges';
import { parseTargetAllowList, type TargetAllowList } from './webhooks/target';

const MiB = 1024 * 1024;
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/**
 * The Cloudflare Workers request body limit on the Free and Pro plans (Business: 200 MB,
 * Enterprise: 500 MB by default). A single request cannot be larger on those plans, so batch
 * uploads above it must be split; instance-by-instance PUTs are never near it.
 */
export const WORKERS_REQUEST_LIMIT_BYTES = 100 * 1000 * 1000;

/** A comma-separated list (blank entries dropped). */
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/** Environment variables, all optional strings. */
export const EnvSchema = z.object({
  /** Largest DICOM instance accepted, bytes. */
  EMBOLUS_MAX_INSTANCE_BYTES: int(64 * MiB, 1),
  /** Largest study (sum of its instances), bytes. */
  EMBOLUS_MAX_STUDY_BYTES: int(4096 * MiB, 1),
  EMBOLUS_MAX_STUDY_INSTANCES: int(5000, 1),
  /** Largest request body (zip, multipart, STOW-RS), bytes; default the Workers Free/Pro limit. */
  EMBOLUS_MAX_REQUEST_BYTES: int(WORKERS_REQUEST_LIMIT_BYTES, 1),
  /** Zip archives: most entries, and most bytes after inflating all of them. */
  EMBOLUS_MAX_ZIP_ENTRIES: int(10_000, 1),
  EMBOLUS_MAX_ZIP_INFLATED_BYTES: int(1024 * MiB, 1),
  /** Requests per key per minute; 0 disables the limit. */
  EMBOLUS_RATE_LIMIT_PER_MINUTE: int(3000),
  /** `memory`: per process (exact on one Node process); `database`: shared by all isolates. */
  EMBOLUS_RATE_LIMIT_STORE: z.enum(['memory', 'database']).default('memory'),
  /** Default and longest job lease, seconds. */
  EMBOLUS_LEASE_SECONDS: int(300, 1),
  EMBOLUS_MAX_LEASE_SECONDS: int(3600, 1),
  EMBOLUS_JOB_MAX_ATTEMPTS: int(3, 1),
  EMBOLUS_JOB_BACKOFF_BASE_SECONDS: int(30, 0),
  EMBOLUS_JOB_BACKOFF_MAX_SECONDS: int(3600, 0),
  EMBOLUS_WEBHOOK_MAX_ATTEMPTS: int(8, 1),
  EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS: int(30, 0),
  EMBOLUS_WEBHOOK_BACKOFF_MAX_SECONDS: int(6 * 3600, 0),
  EMBOLUS_WEBHOOK_TIMEOUT_MS: int(10_000, 1),
  /** Allow `http://` webhook URLs (local testing only; internal targets stay refused). */
  EMBOLUS_WEBHOOK_ALLOW_HTTP: bool(false),
  /**
   * Internal webhook targets an on-premises site allows: CIDRs (`10.20.0.0/16`, `fd12::/48`)
   * and exact host names (`hooks.corp.internal`), comma-separated. Empty (the default): none.
   */
  EMBOLUS_WEBHOOK_ALLOW_INTERNAL: list.transform((entries, ctx) => {
    const parsed = parseTargetAllowList(entries);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  }),
  /**
   * How long a verified key is cached in memory, seconds. At most 2: a revocation (API or CLI,
   * any process) takes effect within this time everywhere.
   */
  EMBOLUS_AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(2).default(1),
  /** Failed authentications per client address per minute before 429; 0 disables. */
  EMBOLUS_AUTH_FAILURES_PER_MINUTE: int(30),
  /**
   * Node: reverse proxies (CIDRs or addresses, comma-separated) whose X-Forwarded-For names the
   * client address. Empty (the default): the socket's peer is the client.
   */
  EMBOLUS_TRUSTED_PROXIES: list.transform((entries, ctx) => {
    const cidrs = entries.map((e) => parseCidr(e));
    if (cidrs.some((x) => x === null)) {
      ctx.addIssue({ code: 'custom', message: 'each entry must be a CIDR or an IP address' });
      return z.NEVER;
    }
    return cidrs as Cidr[];
  }),
  /** Base of absolute URLs the API returns (STOW-RS RetrieveURL); unset: path-only URLs. */
  EMBOLUS_PUBLIC_BASE_URL: z
    .string()
    .url()
    .refine(
      (v) => /^https?:$/.test(new URL(v).protocol) && !new URL(v).search && !new URL(v).hash && !new URL(v).username,
      'must be an http(s) URL without query, fragment or credentials',
    )
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  /**
   * Key sealing secrets at rest (an IdP's client secret): 32 bytes, base64. Unset on Node: made
   * once in the data folder (`secrets.key`); unset on Workers: single sign-on cannot be configured.
   */
  EMBOLUS_SECRETS_KEY: z
    .string()
    .refine((v) => /^[A-Za-z0-9+/_-]{43}=?$/.test(v), 'must be 32 bytes, base64 (openssl rand -base64 32)')
    .optional(),
  /** Browser origins allowed by CORS (exact, comma-separated). Empty (the default): none. */
  EMBOLUS_CORS_ORIGINS: list
    .refine((l) => l.every((o) => ORIGIN.test(o)), 'each entry must be an origin such as https://app.example.org')
    .transform((l) => l.map((o) => o.toLowerCase())),
  /** Node server: time to receive a request's headers, and the longest pause while a body is read, ms. */
  EMBOLUS_HEADERS_TIMEOUT_MS: int(30_000, 1),
  EMBOLUS_BODY_IDLE_TIMEOUT_MS: int(30_000, 1),
  /** Node server: most open connections per process. */
  EMBOLUS_MAX_CONNECTIONS: int(1024, 1),
  EMBOLUS_MAX_RESULT_BYTES: int(1 * MiB, 1),
  EMBOLUS_MAX_ARTIFACT_BYTES: int(64 * MiB, 1),
  EMBOLUS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Audit records older than this many days are deleted (hourly on Node, every five minutes by the cron on Workers). */
  EMBOLUS_AUDIT_RETENTION_DAYS: int(365, 1),
  /**
   * Crash leftovers (`*.tmp` files, blobs without rows) are cleaned at start and by `fsck` only
   * when older than this, so a file another process is still writing is never touched.
   */
  EMBOLUS_LEFTOVER_GRACE_SECONDS: int(3600, 60),
  // --- dashboard sessions (issue 16; see src/auth/sessions.ts) ---
  /** A session ends this many hours after sign-in, used or not. */
  EMBOLUS_SESSION_HOURS: int(12, 1),
  /** A session ends after this many minutes without a request. */
  EMBOLUS_SESSION_IDLE_MINUTES: int(30, 1),
  /** Sign-in attempts per account per minute (per client address: three times this). */
  EMBOLUS_SIGNIN_ATTEMPTS_PER_MINUTE: int(10, 1),
  /** DICOM listener: a study is submitted when no instance arrived for this long, ms. */
  EMBOLUS_DICOM_QUIET_MS: int(10_000, 50),
  /** DICOM listener: most open connections; each may buffer one instance (EMBOLUS_MAX_INSTANCE_BYTES). */
  EMBOLUS_DICOM_MAX_ASSOCIATIONS: int(16, 1),
  /**
   * Results older than this get no DICOM objects when the result worker starts: a destination
   * added today must not receive years of old results.
   */
  EMBOLUS_DICOM_OUTPUT_MAX_AGE_HOURS: int(24, 1),
  /** DICOM result deliveries (PACS, STOW-RS): attempts, backoff (ms) and per-attempt timeout. */
  EMBOLUS_DICOM_DELIVERY_MAX_ATTEMPTS: int(8, 1),
  EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS: int(30_000, 0),
  EMBOLUS_DICOM_DELIVERY_BACKOFF_MAX_MS: int(6 * 3600_000, 0),
  EMBOLUS_DICOM_DELIVERY_TIMEOUT_MS: int(60_000, 1),
});

/** The parsed configuration. */
export interface Config {
  maxInstanceBytes: number;
  maxStudyBytes: number;
  maxStudyInstances: number;
  maxRequestBytes: number;
  maxZipEntries: number;
  maxZipInflatedBytes: number;
  rateLimitPerMinute: number;
  rateLimitStore: 'memory' | 'database';
  leaseMs: number;
  maxLeaseMs: number;
  jobMaxAttempts: number;
  jobBackoff: { baseMs: number; maxMs: number };
  webhookMaxAttempts: number;
  webhookBackoff: { baseMs: number; maxMs: number };
  webhookTimeoutMs: number;
  webhookAllowHttp: boolean;
  webhookAllowInternal: TargetAllowList;
  authCacheMs: number;
  authFailuresPerMinute: number;
  trustedProxies: Cidr[];
  /** Without a trailing slash; undefined: URLs are returned as paths. */
  publicBaseUrl: string | undefined;
  /** Base64 AES-256 key for secrets at rest (see auth/secrets.ts); undefined: none. */
  secretsKey: string | undefined;
  corsOrigins: string[];
  headersTimeoutMs: number;
  bodyIdleTimeoutMs: number;
  maxConnections: number;
  maxResultBytes: number;
  maxArtifactBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  auditRetentionMs: number;
  leftoverGraceMs: number;
  /** Dashboard sessions (issue 16). */
  session: { ttlMs: number; idleMs: number; signInPerMinute: number };
  dicomQuietMs: number;
  dicomMaxAssociations: number;
  dicomOutputMaxAgeMs: number;
  dicomDeliveryMaxAttempts: number;
  dicomDeliveryBackoff: { baseMs: number; maxMs: number };
  dicomDeliveryTimeoutMs: number;
}

/**
 * Parses the environment (unknown keys ignored; empty strings count as unset).
 * @throws ZodError naming the variable that does not parse.
 */
export function parseConfig(env: Record<string, unknown>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = typeof v === 'string' ? v.trim() : String(v);
  }
  const e = EnvSchema.parse(picked);
  return {
    maxInstanceBytes: e.EMBOLUS_MAX_INSTANCE_BYTES,
    maxStudyBytes: e.EMBOLUS_MAX_STUDY_BYTES,
    maxStudyInstances: e.EMBOLUS_MAX_STUDY_INSTANCES,
    maxRequestBytes: e.EMBOLUS_MAX_REQUEST_BYTES,
    maxZipEntries: e.EMBOLUS_MAX_ZIP_ENTRIES,
    maxZipInflatedBytes: e.EMBOLUS_MAX_ZIP_INFLATED_BYTES,
    rateLimitPerMinute: e.EMBOLUS_RATE_LIMIT_PER_MINUTE,
    rateLimitStore: e.EMBOLUS_RATE_LIMIT_STORE,
    leaseMs: e.EMBOLUS_LEASE_SECONDS * 1000,
    maxLeaseMs: e.EMBOLUS_MAX_LEASE_SECONDS * 1000,
    jobMaxAttempts: e.EMBOLUS_JOB_MAX_ATTEMPTS,
    jobBackoff: { baseMs: e.EMBOLUS_JOB_BACKOFF_BASE_SECONDS * 1000, maxMs: e.EMBOLUS_JOB_BACKOFF_MAX_SECONDS * 1000 },
    webhookMaxAttempts: e.EMBOLUS_WEBHOOK_MAX_ATTEMPTS,
    webhookBackoff: { baseMs: e.EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS * 1000, maxMs: e.EMBOLUS_WEBHOOK_BACKOFF_MAX_SECONDS * 1000 },
    webhookTimeoutMs: e.EMBOLUS_WEBHOOK_TIMEOUT_MS,
    webhookAllowHttp: e.EMBOLUS_WEBHOOK_ALLOW_HTTP,
    webhookAllowInternal: e.EMBOLUS_WEBHOOK_ALLOW_INTERNAL,
    authCacheMs: e.EMBOLUS_AUTH_CACHE_SECONDS * 1000,
    authFailuresPerMinute: e.EMBOLUS_AUTH_FAILURES_PER_MINUTE,
    trustedProxies: e.EMBOLUS_TRUSTED_PROXIES,
    publicBaseUrl: e.EMBOLUS_PUBLIC_BASE_URL,
    secretsKey: e.EMBOLUS_SECRETS_KEY,
    corsOrigins: e.EMBOLUS_CORS_ORIGINS,
    headersTimeoutMs: e.EMBOLUS_HEADERS_TIMEOUT_MS,
    bodyIdleTimeoutMs: e.EMBOLUS_BODY_IDLE_TIMEOUT_MS,
    maxConnections: e.EMBOLUS_MAX_CONNECTIONS,
    maxResultBytes: e.EMBOLUS_MAX_RESULT_BYTES,
    maxArtifactBytes: e.EMBOLUS_MAX_ARTIFACT_BYTES,
    logLevel: e.EMBOLUS_LOG_LEVEL,
    auditRetentionMs: e.EMBOLUS_AUDIT_RETENTION_DAYS * 86_400_000,
    leftoverGraceMs: e.EMBOLUS_LEFTOVER_GRACE_SECONDS * 1000,
    session: {
      ttlMs: e.EMBOLUS_SESSION_HOURS * 3_600_000,
      idleMs: e.EMBOLUS_SESSION_IDLE_MINUTES * 60_000,
      signInPerMinute: e.EMBOLUS_SIGNIN_ATTEMPTS_PER_MINUTE,
    },
    dicomQuietMs: e.EMBOLUS_DICOM_QUIET_MS,
    dicomMaxAssociations: e.EMBOLUS_DICOM_MAX_ASSOCIATIONS,
    dicomOutputMaxAgeMs: e.EMBOLUS_DICOM_OUTPUT_MAX_AGE_HOURS * 3_600_000,
    dicomDeliveryMaxAttempts: e.EMBOLUS_DICOM_DELIVERY_MAX_ATTEMPTS,
    dicomDeliveryBackoff: { baseMs: e.EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS, maxMs: e.EMBOLUS_DICOM_DELIVERY_BACKOFF_MAX_MS },
    dicomDeliveryTimeoutMs: e.EMBOLUS_DICOM_DELIVERY_TIMEOUT_MS,
  };
}
