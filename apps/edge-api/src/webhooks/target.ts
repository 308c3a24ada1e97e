/**
 * Which hosts a webhook may reach. A partner's URL must lead to the public internet: never to
 * the operator's own networks (private, loopback, link-local, CGNAT, benchmark, multicast,
 * broadcast, reserved; IPv6 ULA, link-local, loopback; IPv4 addresses wrapped in IPv6), nor to
 * names reserved for internal use. Names are resolved and *every* address is checked, at
 * registration and again before each delivery (a name may be re-pointed after registration).
 *
 * Ranges come from ipaddr.js (the classifier Express's proxy-addr uses; RFC 6890 special-purpose
 * registries, both families), not from hand-written parsing: the URL parser already normalises
 * `127.1`, `0x7f.1` and `2130706433` to dotted quads, and ipaddr.js handles every IPv6 spelling.
 * The policy is an allow-list of what is public: IPv4 `unicast` and IPv6 `unicast` inside
 * 2000::/3 (global unicast); anything ipaddr.js puts in a special range is internal.
 */
import ipaddr from 'ipaddr.js';

/** Resolves a host name to its addresses (A and AAAA). Throws or returns [] when it cannot. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** Internal targets an operator allowed explicitly (`EMBOLUS_WEBHOOK_ALLOW_INTERNAL`). */
export interface TargetAllowList {
  cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  /** Exact host names, lower-case, trusted without checks (the operator's own DNS). */
  hosts: ReadonlySet<string>;
}

/** Why a target was refused. */
export type TargetRefusal = 'INTERNAL_NAME' | 'INTERNAL_ADDRESS' | 'UNRESOLVED';

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
    const e = entry.toLowerCase();
    if (e.includes('/')) {
      try {
        out.cidrs.push(ipaddr.parseCIDR(e));
      } catch {
        return 'an entry is neither a CIDR (10.0.0.0/8, fd00::/8) nor a host name';
      }
    } else if (ipaddr.isValid(e)) {
      const a = ipaddr.parse(e);
      out.cidrs.push([a, a.kind() === 'ipv4' ? 32 : 128]);
    } else if (HOST_NAME.test(e.replace(/\.$/, ''))) {
      hosts.add(e.replace(/\.$/, ''));
    } else {
      return 'an entry is neither a CIDR (10.0.0.0/8, fd00::/8) nor a host name';
    }
  }
  return out;
}

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it carries; others unchanged. */
function unwrap(a: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** True when `address` (an IP literal) is on the public internet. Unparseable: false. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const a = unwrap(ipaddr.parse(address));
  if (a.kind() === 'ipv4') return a.range() === 'unicast';
  // Global unicast only: this also refuses IPv4-compatible ::a.b.c.d (::/96), NAT64
  // (64:ff9b::/96, `rfc6052`), 6to4, Teredo and SIIT (`rfc6145`), which can carry internal IPv4s.
  const v6 = a as ipaddr.IPv6;
  return v6.range() === 'unicast' && (v6.parts[0] as number) >> 13 === 0b001;
}

/** True when `address` lies in one of the operator's allowed CIDRs. */
export function isAllowedAddress(address: string, allow: TargetAllowList): boolean {
  if (allow.cidrs.length === 0 || !ipaddr.isValid(address)) return false;
  const a = unwrap(ipaddr.parse(address));
  return allow.cidrs.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
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
export async function checkTarget(url: URL, options: { resolve?: HostResolver | undefined; allow: TargetAllowList; timeoutMs: number }): Promise<TargetCheck> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (options.allow.hosts.has(host)) return { ok: true, addresses: [] };
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    if (isInternalName(host)) return { ok: false, reason: 'INTERNAL_NAME', message: 'the webhook host is a name reserved for internal networks' };
    if (!options.resolve) return { ok: true, addresses: [] };
    addresses = await withTimeout(options.resolve(host), options.timeoutMs).catch(() => []);
    if (addresses.length === 0) return { ok: false, reason: 'UNRESOLVED', message: 'the webhook host does not resolve' };
  }
  for (const a of addresses) {
    if (!isPublicAddress(a) && !isAllowedAddress(a, options.allow)) {
      return { ok: false, reason: 'INTERNAL_ADDRESS', message: 'the webhook host is or resolves to an internal address (private, loopback, link-local, shared, reserved or multicast)' };
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
