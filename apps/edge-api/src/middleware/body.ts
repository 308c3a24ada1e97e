/**
 * Reading request bodies under a byte limit. The limit is checked against Content-Length first
 * (cheap refusal) and then while streaming, since chunked bodies have no length.
 */
import type { Context } from 'hono';
import { ApiError } from '../errors';

/** The whole body, or 413 PAYLOAD_TOO_LARGE once it passes `limit` bytes. */
export async function readBody(c: Context, limit: number, what = 'request body'): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw tooLarge(what, limit, Number(declared));
  }
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(what, limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const ch of chunks) {
    out.set(ch, at);
    at += ch.byteLength;
  }
  return out;
}

function tooLarge(what: string, limit: number, size?: number): ApiError {
  return new ApiError('PAYLOAD_TOO_LARGE', `${what} is larger than ${limit} bytes`, {
    details: { limit, ...(size !== undefined ? { size } : {}) },
  });
}

/** The media type of the request, lower-case, without parameters. */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
