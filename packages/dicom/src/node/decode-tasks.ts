/**
 * The decoding loop every thread of a parallel series load runs, the calling thread included:
 * each takes the next instance from a counter they share (Atomics), so fast and slow threads
 * balance by themselves, and writes its HU straight into the shared volume.
 */
import { readFileSync } from 'node:fs';
import { DicomError } from '../errors';
import { decodeInstanceSlices } from '../volume';

export interface DecodeTask {
  source: string;
  /** Where the instance's bytes lie in the shared study buffer; absent: read the file `source`. */
  at?: { offset: number; length: number };
  /** z index in the volume of each frame, and the frame it comes from. */
  zs: number[];
  frames: number[];
}

/**
 * Decodes tasks claimed from `counter` until none are left; returns the padding count of those it
 * decoded. On failure it first empties the queue, so the other threads stop early, then throws.
 */
export async function decodeClaimed(
  tasks: readonly DecodeTask[],
  counter: Int32Array,
  rows: number,
  cols: number,
  volume: Float32Array,
  study?: SharedArrayBuffer,
): Promise<number> {
  let paddingCount = 0;
  try {
    for (let k = Atomics.add(counter, 0, 1); k < tasks.length; k = Atomics.add(counter, 0, 1)) {
      const t = tasks[k]!;
      paddingCount += await decodeInstanceSlices(taskBytes(t, study), t.source, t.frames, t.zs, rows, cols, volume);
    }
  } catch (e) {
    Atomics.store(counter, 0, tasks.length);
    throw e;
  }
  return paddingCount;
}

/** A task's bytes: a view of the shared study buffer (no copy), else the file read from disk. */
function taskBytes(t: DecodeTask, study: SharedArrayBuffer | undefined): Uint8Array {
  if (t.at) {
    if (!study) throw new DicomError('DECODE_FAILED', `${t.source}: no study buffer for an in-memory instance`);
    return new Uint8Array(study, t.at.offset, t.at.length);
  }
  // Synchronous: small files, and a decoding thread has nothing else to do meanwhile.
  const b = readFileSync(t.source);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
