/**
 * Worker side of parallel series decoding: claims instances from the shared counter and writes
 * their HU straight into the shared volume buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DicomError } from '../errors';
import { decodeClaimed, type DecodeTask } from './decode-tasks';

export type { DecodeTask };

const { buffer, counter, rows, cols, tasks, study } = workerData as {
  buffer: SharedArrayBuffer;
  counter: SharedArrayBuffer;
  rows: number;
  cols: number;
  tasks: DecodeTask[];
  /** The fetched study's bytes when the series is decoded from memory (tasks carry offsets). */
  study?: SharedArrayBuffer;
};
try {
  const paddingCount = await decodeClaimed(tasks, new Int32Array(counter), rows, cols, new Float32Array(buffer), study);
  parentPort!.postMessage({ ok: true, paddingCount });
} catch (e) {
  const err = e instanceof DicomError ? e : new DicomError('DECODE_FAILED', e instanceof Error ? e.message : String(e));
  parentPort!.postMessage({ ok: false, code: err.code, message: err.message, details: err.details });
}
