/**
 * The client's address on Node, for limits on failed authentication. The socket's peer, unless
 * that peer is a proxy the operator trusts (`EMBOLUS_TRUSTED_PROXIES`): then X-Forwarded-For is
 * read from the right, skipping trusted hops, as proxy-addr does. X-Forwarded-For from anyone
 * else is ignored (a client could write any address there).
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { inCidrs, type Cidr } from '../ip-ranges';

/** Builds the `clientAddress` dependency for `trusted` proxies. */
export function nodeClientAddress(trusted: readonly Cidr[]): (c: Context) => string | undefined {
  return (c) => {
    const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
    if (peer === undefined || !inCidrs(peer, trusted)) return peer;
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) if (!inCidrs(hops[i] as string, trusted)) return hops[i];
    return hops[0] ?? peer;
  };
}
