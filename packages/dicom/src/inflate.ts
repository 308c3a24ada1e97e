/**
 * Raw-deflate inflation in bounded steps. fflate's `Inflate.push(all, true)` hands back the
 * whole output in one chunk, so a limit checked in its callback only runs after the allocation
 * (a 1 MB deflate bomb becomes 1 GB before any check). Feeding the input in small slices bounds
 * every chunk instead: deflate expands at most ~1032:1, so an 8 KiB slice yields at most about
 * 8 MiB, and a caller that stops iterating stops the work. Runs anywhere (no Node APIs), so the
 * Workers bundle can use it.
 */
import { Inflate } from 'fflate';

/**
 * Compressed bytes fed per step. Smaller slices bound bomb chunks tighter but cost more per
 * byte (fflate copies its 32 KiB window per push): 8 KiB keeps ordinary data within ~15 % of
 * one-shot speed and a bomb's chunk under ~8.3 MiB.
 */
export const INFLATE_SLICE_BYTES = 8 * 1024;

/**
 * Yields the inflated output of a raw-deflate stream chunk by chunk, each chunk produced from at
 * most `sliceBytes` of input. Stop iterating to stop inflating. Throws what fflate throws on a
 * corrupt or truncated stream.
 */
export function* inflateRawChunks(input: Uint8Array, sliceBytes = INFLATE_SLICE_BYTES): Generator<Uint8Array, void, undefined> {
  const pending: Uint8Array[] = [];
  const inflater = new Inflate((chunk) => {
    if (chunk.length > 0) pending.push(chunk);
  });
  if (input.length === 0) inflater.push(input, true);
  for (let at = 0; at < input.length; at += sliceBytes) {
    const end = Math.min(input.length, at + sliceBytes);
    inflater.push(input.subarray(at, end), end === input.length);
    while (pending.length > 0) yield pending.shift() as Uint8Array;
  }
  while (pending.length > 0) yield pending.shift() as Uint8Array;
}

/** Thrown by {@link inflateRawBounded} when the output passes its limit. */
export class InflateLimitError extends Error {
  constructor(readonly limit: number) {
    super(`inflates past ${limit} bytes`);
  }
}

/**
 * Inflates a raw-deflate stream into one array after `prefix`, holding at most `limit` bytes of
 * output plus one chunk: it stops as soon as the output passes the limit.
 * @throws InflateLimitError past the limit; fflate's error on a corrupt stream.
 */
export function inflateRawBounded(input: Uint8Array, limit: number, prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const chunk of inflateRawChunks(input)) {
    total += chunk.length;
    if (total > limit) throw new InflateLimitError(limit);
    chunks.push(chunk);
  }
  const out = new Uint8Array(prefix.length + total);
  out.set(prefix, 0);
  let at = prefix.length;
  for (const c of chunks) out.set(c, at), (at += c.length);
  return out;
}
