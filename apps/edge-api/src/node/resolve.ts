/**
 * Host resolution on Node for webhook target checks: the system resolver (getaddrinfo, so
 * /etc/hosts counts), every A and AAAA address, in the order the system returns them.
 */
import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../webhooks/target';

/** Resolves with node:dns `lookup({ all: true })`. */
export const nodeResolver: HostResolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
