/**
 * Raw-deflate inflation in bounded steps. fflate's `Inflate.push(all, true)` hands back the
 * whole output in one chunk, so a limit checked in its callback only runs after the allocation
 * (a 1 MB deflate bomb becomes 1 GB before any check). Feeding the input in small slices bounds
 * every chunk instead (deflate expands at most ~1032:1), and a caller that stops iterating stops
 * the work. Runs anywhere (no Node APIs), so the
 * Workers bundle can use it.
 */
import { Inflate } from 'fflate';

/** Output aimed at per step: small enough that one step is a few ms of work. */
export const INFLATE_STEP_OUTPUT_BYTES = 1 << 20;
/** Largest slice of compressed input fed per step: bounds a step's output to ~16.5 MiB. */
export const INFLATE_MAX_SLICE_BYTES = 16 * 1024;
const MIN_SLICE_BYTES = 1024;

/**
 * Yields the inflated output of a raw-deflate stream chunk by chunk. Each step feeds one slice
 * of input, sized from the last step's expansion so that a step yields about
 * {@link INFLATE_STEP_OUTPUT_BYTES}: 1 KiB slices for a bomb (~1 MiB each), up to
 * {@link INFLATE_MAX_SLICE_BYTES} for ordinary data (fflate copies its 32 KiB window per push,
 * so tiny slices would slow ordinary data down about 2x). Whatever the input, one chunk is at
 * most ~1032 x 16 KiB. Stop iterating to stop inflating. Throws what fflate throws on a corrupt
 * or truncated stream.
 */
export function* inflateRawChunks(input: Uint8Array): Generator<Uint8Array, void, undefined> {
  const pending: Uint8Array[] = [];
  const inflater = new Inflate((chunk) => {
    if (chunk.length > 0) pending.push(chunk);
  });
  if (input.length === 0) inflater.push(input, true);
  let slice = MIN_SLICE_BYTES;
  for (let at = 0; at < input.length; ) {
    const end = Math.min(input.length, at + slice);
    inflater.push(input.subarray(at, end), end === input.length);
    let produced = 0;
    for (const c of pending) produced += c.length;
    const ratio = produced / (end - at);
    slice = Math.max(MIN_SLICE_BYTES, Math.min(INFLATE_MAX_SLICE_BYTES, Math.floor(INFLATE_STEP_OUTPUT_BYTES / Math.max(ratio, 1))));
    at = end;
    while (pending.length > 0) yield pending.shift() as Uint8Array;
  }
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
