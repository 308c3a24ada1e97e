/**
 * Which hosts a webhook may reach. A partner's URL must lead to the public internet: never to
 * the operator's own networks (private, loopback, link-local, CGNAT, benchmark, multicast,
 * broadcast, reserved; IPv6 ULA, link-local, loopback; IPv4 addresses wrapped in IPv6), nor to
 * names reserved for internal use. Names are resolved and *every* address is checked, at
 * registration and again before each delivery (a name may be re-pointed after registration).
 *
 * Ranges come from ipaddr.js (src/ip-ranges.ts): the URL parser already normalises `127.1`,
 * `0x7f.1` and `2130706433` to dotted quads, and ipaddr.js reads every IPv6 spelling. Only
 * global unicast counts as public; anything in a special range is internal.
 */
import { EmbolusError } from '@embolus/shared';
import { inCidrs, isIpLiteral, isPublicAddress, parseCidr, type Cidr } from '../ip-ranges';

export { isPublicAddress };

/** Resolves a host name to its addresses (A and AAAA). Throws or returns [] when it cannot. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** Internal targets an operator allowed explicitly (`EMBOLUS_WEBHOOK_ALLOW_INTERNAL`). */
export interface TargetAllowList {
  cidrs: Cidr[];
  /** Exact host names, lower-case, trusted without checks (the operator's own DNS). */
  hosts: ReadonlySet<string>;
}

/** Why a target was refused. */
export type TargetRefusal = 'INTERNAL_NAME' | 'INTERNAL_ADDRESS' | 'UNRESOLVED';

/**
 * A delivery refused because of its target (before sending, or when Node's connection resolved
 * an internal address). Recorded in the delivery log as `target refused: <code>`.
 */
export class WebhookTargetError extends EmbolusError {
  declare readonly code: TargetRefusal;

  constructor(code: TargetRefusal, message: string) {
    super(code, message);
    this.name = 'WebhookTargetError';
  }
}

/** The outcome of {@link checkTarget}. Messages name the problem, never the host or address. */
export type TargetCheck = { ok: true; addresses: string[] } | { ok: false; reason: TargetRefusal; message: string };

export const EMPTY_ALLOW_LIST: TargetAllowList = { cidrs: [], hosts: new Set() };

/**
 * Name suffixes that never lead to a partner: RFC 6761 `localhost`, mDNS `local` (RFC 6762),
 * ICANN's private-use `internal` (e.g. `metadata.google.internal`), RFC 8375 `home.arpa` and
 * the rest of `arpa`, and the common private pseudo-TLDs.
 */
const INTERNAL_SUFFIXES = ['localhost', 'localdomain', 'local', 'internal', 'intranet', 'lan', 'arpa'];

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parses allow-list entries (CIDRs or host names); a string is the error. */
export function parseTargetAllowList(entries: string[]): TargetAllowList | string {
  const out: TargetAllowList = { cidrs: [], hosts: new Set() };
  const hosts = out.hosts as Set<string>;
  for (const entry of entries) {
    const e = entry.toLowerCase().replace(/\.$/, '');
    const cidr = parseCidr(e);
    if (cidr) out.cidrs.push(cidr);
    else if (!e.includes('/') && HOST_NAME.test(e)) hosts.add(e);
    else return 'an entry is neither a CIDR (10.0.0.0/8, fd00::/8) nor a host name';
  }
  return out;
}

/** True when `address` lies in one of the operator's allowed CIDRs. */
export function isAllowedAddress(address: string, allow: TargetAllowList): boolean {
  return inCidrs(address, allow.cidrs);
}

/** True for names reserved for internal use (single labels, `localhost`, `*.internal`…). */
export function isInternalName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (!h.includes('.')) return true;
  return INTERNAL_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`));
}

/**
 * Checks that `url` may receive a webhook. IP literals are checked as they are; names by rule,
 * then resolved with `resolve` and every address checked. Without a resolver (Workers) names
 * pass once the name rules hold. Allow-listed hosts and addresses pass.
 */
export async function checkTarget(
  url: URL,
  options: { resolve?: HostResolver | undefined; allow: TargetAllowList; timeoutMs: number },
): Promise<TargetCheck> {
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  if (options.allow.hosts.has(host)) return { ok: true, addresses: [] };
  let addresses: string[];
  if (isIpLiteral(host)) {
    addresses = [host];
  } else {
    if (isInternalName(host))
      return { ok: false, reason: 'INTERNAL_NAME', message: 'the webhook host is a name reserved for internal networks' };
    if (!options.resolve) return { ok: true, addresses: [] };
    addresses = await withTimeout(options.resolve(host), options.timeoutMs).catch(() => []);
    if (addresses.length === 0) return { ok: false, reason: 'UNRESOLVED', message: 'the webhook host does not resolve' };
  }
  for (const a of addresses) {
    if (!isPublicAddress(a) && !isAllowedAddress(a, options.allow)) {
      return {
        ok: false,
        reason: 'INTERNAL_ADDRESS',
        message: 'the webhook host is or resolves to an internal address (private, loopback, link-local, shared, reserved or multicast)',
      };
    }
  }
  return { ok: true, addresses };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('resolution timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
