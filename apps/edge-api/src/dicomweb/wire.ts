/**
 * WADO-RS on the wire: Accept negotiation (PS3.18 §8.7) and multipart/related bodies written as
 * streams, one part at a time, so a series of hundreds of instances is never held whole.
 */
import { ApiError } from '../errors';

/** One acceptable media range with its parameters. */
export interface AcceptRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** Parses an Accept header (absent: `*\/*`). Parameters keep their case-folded names. */
export function parseAccept(header: string | undefined): AcceptRange[] {
  const out: AcceptRange[] = [];
  for (const item of (header ?? '*/*').split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const [type, ...rest] = item.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((s) => s.trim());
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0)
        params[p.slice(0, eq).trim().toLowerCase()] = p
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '');
    }
    const q = params['q'] === undefined ? 1 : Number(params['q']);
    if (q > 0) out.push({ type: type.toLowerCase(), params, q });
  }
  return out.sort((a, b) => b.q - a.q);
}

/** What a retrieve will send. */
export interface Negotiated {
  /** The part media type (multipart) or the body type (single part). */
  type: string;
  /** `*` (as stored) or a transfer syntax UID. */
  transferSyntax: string;
  multipart: boolean;
}

/**
 * Picks the first acceptable of `offers` (part media types, in the server's preference). A
 * multipart range `multipart/related; type=X` matches offer X; `*\/*` and `multipart/related`
 * without a type take the first offer. @throws ApiError NOT_ACCEPTABLE naming what is offered.
 */
export function negotiate(
  header: string | undefined,
  offers: readonly string[],
  options: { singlePart?: readonly string[] } = {},
): Negotiated {
  for (const r of parseAccept(header)) {
    const ts = r.params['transfer-syntax'] ?? '';
    if (r.type === 'multipart/related' || r.type === 'multipart/*') {
      if (!offers.length) continue;
      const want = (r.params['type'] ?? offers[0]!).toLowerCase();
      if (offers.includes(want)) return { type: want, transferSyntax: ts || '', multipart: true };
      if (want.endsWith('/*')) {
        const hit = offers.find((o) => o.startsWith(want.slice(0, -1)));
        if (hit) return { type: hit, transferSyntax: ts || '', multipart: true };
      }
    } else if (r.type === '*/*') {
      return { type: options.singlePart?.[0] ?? offers[0]!, transferSyntax: ts || '', multipart: !options.singlePart?.length };
    } else if (options.singlePart?.includes(r.type)) {
      return { type: r.type, transferSyntax: ts || '', multipart: false };
    } else if (r.type.endsWith('/*') && options.singlePart?.some((s) => s.startsWith(r.type.slice(0, -1)))) {
      return { type: options.singlePart.find((s) => s.startsWith(r.type.slice(0, -1)))!, transferSyntax: ts || '', multipart: false };
    }
  }
  const offered = [...offers.map((o) => `multipart/related; type="${o}"`), ...(options.singlePart ?? [])];
  throw new ApiError('NOT_ACCEPTABLE', `none of the Accept media types can be served here; offered: ${offered.join(', ')}`, {
    details: { offered },
  });
}

/** One part of a multipart/related body. */
export interface Part {
  contentType: string;
  /** Extra part headers (Content-Location…). */
  headers?: Record<string, string>;
  body: Uint8Array | ReadableStream<Uint8Array>;
  /** Known length of a stream body (sent as Content-Length). */
  length?: number;
}

/** A random boundary that cannot occur in a DICOM preamble by accident. */
export function newBoundary(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `embolus-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

const enc = new TextEncoder();

/**
 * Streams the parts that `next` yields (null: no more) as a multipart/related body. Parts are
 * fetched only when the reader asks (backpressure), so at most one part is in flight.
 */
export function multipartStream(
  boundary: string,
  next: () => Promise<Part | null>,
  onError?: (e: unknown) => void,
): ReadableStream<Uint8Array> {
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let done = false;
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (current) {
            const r = await current.read();
            if (!r.done) {
              controller.enqueue(r.value);
              return;
            }
            current = null;
          }
          if (done) return;
          const part = await next();
          if (!part) {
            done = true;
            controller.enqueue(enc.encode(`${first ? '' : '\r\n'}--${boundary}--\r\n`));
            controller.close();
            return;
          }
          const head = [`Content-Type: ${part.contentType}`, ...Object.entries(part.headers ?? {}).map(([k, v]) => `${k}: ${v}`)];
          const length = part.body instanceof Uint8Array ? part.body.length : part.length;
          if (length !== undefined) head.push(`Content-Length: ${length}`);
          controller.enqueue(enc.encode(`${first ? '' : '\r\n'}--${boundary}\r\n${head.join('\r\n')}\r\n\r\n`));
          first = false;
          if (part.body instanceof Uint8Array) controller.enqueue(part.body);
          else current = part.body.getReader();
        } catch (e) {
          onError?.(e);
          controller.error(e);
        }
      },
      async cancel(reason) {
        done = true;
        await current?.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
