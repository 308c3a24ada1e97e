/**
 * Webhook POSTs on Node whose connection checks the addresses it is about to use. The check
 * before a delivery resolves the name once; fetch() would resolve it again, and a name with a
 * zero TTL can answer a public address to the first and an internal one to the second (DNS
 * rebinding). Here the connection's own lookup is checked, so what is checked is what is
 * connected to. Only what deliveries need: a POST with a string body, no redirects followed
 * (node:http never follows them), the response status; the response body is discarded.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isAllowedAddress, isPublicAddress, WebhookTargetError, type TargetAllowList } from '../webhooks/target';

const refused = () => new WebhookTargetError('INTERNAL_ADDRESS', 'the webhook host resolved to an internal address when connecting');

/** A lookup that fails when any address is internal and not allowed (allow-listed names pass). */
export function checkedLookup(allow: TargetAllowList, lookup: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    const trusted = allow.hosts.has(hostname.toLowerCase().replace(/\.$/, ''));
    lookup(hostname, { ...(options as LookupOptions), all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      if (
        addresses.length === 0 ||
        (!trusted && addresses.some((a) => !isPublicAddress(a.address) && !isAllowedAddress(a.address, allow)))
      ) {
        return callback(refused() as NodeJS.ErrnoException, '', 0);
      }
      if ((options as LookupOptions).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** A fetch for webhook deliveries whose connections use {@link checkedLookup} (`resolve`: tests). */
export function pinnedFetch(allow: TargetAllowList, resolve: typeof dnsLookup = dnsLookup): typeof fetch {
  const lookup = checkedLookup(allow, resolve);
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = typeof init.body === 'string' ? init.body : '';
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = client.request(
        url,
        {
          method: init.method ?? 'GET',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup,
          agent: false,
          signal: init.signal ?? undefined,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(new Response(null, { status: res.statusCode ?? 502 })));
          res.on('error', reject);
        },
      );
      // A timeout surfaces as the signal's reason (a TimeoutError), as with fetch().
      req.on('error', (e) => reject(init.signal?.aborted ? init.signal.reason : e instanceof WebhookTargetError ? refused() : e));
      req.end(body);
    });
  }) as typeof fetch;
}
