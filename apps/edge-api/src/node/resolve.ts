/**
 * Host resolution on Node for webhook target checks: the system resolver (getaddrinfo, so
 * /etc/hosts counts), every A and AAAA address, in the order the system returns them.
 */
import { lookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { HostResolver } from '../webhooks/target';

/** Resolves with node:dns `lookup({ all: true })`. */
export const nodeResolver: HostResolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** The peer address of the request's socket (@hono/node-server puts the request in `c.env.incoming`). */
export function socketAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}
