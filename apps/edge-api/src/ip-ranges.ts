/**
 * IP address classification and CIDR lists, on ipaddr.js (the classifier Express's proxy-addr
 * uses; RFC 6890 special-purpose ranges of both families) rather than hand-written parsing.
 * Used by webhook target checks and by the trusted-proxy setting.
 */
import ipaddr from 'ipaddr.js';

/** A network: address and prefix length. */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it carries; others unchanged. */
function unwrap(a: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** True for an IPv4 or IPv6 literal (without brackets). */
export function isIpLiteral(value: string): boolean {
  return ipaddr.isValid(value);
}

/** A CIDR (`10.0.0.0/8`, `fd00::/8`) or a single address as its /32 or /128; null when neither. */
export function parseCidr(entry: string): Cidr | null {
  try {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    if (!ipaddr.isValid(entry)) return null;
    const a = ipaddr.parse(entry);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** True when `address` lies in one of `cidrs` (IPv4-mapped IPv6 counts as its IPv4). */
export function inCidrs(address: string, cidrs: readonly Cidr[]): boolean {
  if (cidrs.length === 0 || !ipaddr.isValid(address)) return false;
  const a = unwrap(ipaddr.parse(address));
  return cidrs.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
}

/**
 * True when `address` (an IP literal) is on the public internet; unparseable: false. An
 * allow-list of what is public: IPv4 `unicast` and IPv6 `unicast` inside 2000::/3. Everything
 * ipaddr.js puts in a special range (private, loopback, link-local, CGNAT, benchmark, multicast,
 * broadcast, unspecified, reserved, ULA…) is not.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const a = unwrap(ipaddr.parse(address));
  if (a.kind() === 'ipv4') return a.range() === 'unicast';
  // Global unicast only: this also refuses IPv4-compatible ::a.b.c.d (::/96), NAT64
  // (64:ff9b::/96, `rfc6052`), 6to4, Teredo and SIIT (`rfc6145`), which can carry internal IPv4s.
  const v6 = a as ipaddr.IPv6;
  return v6.range() === 'unicast' && (v6.parts[0] as number) >> 13 === 0b001;
}
