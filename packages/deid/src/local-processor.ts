/**
 * The processor that parses in the calling thread: Node, tests, or a page that accepts the
 * pauses (a worker is better: see `workerProcessor`).
 */
import type { DicomProcessor } from './processor';
import { deidentifyFile, scanFile } from './read-file';

/** Parses and de-identifies in the calling thread. */
export function localProcessor(): DicomProcessor {
  return { scan: scanFile, deidentify: deidentifyFile, close: () => {} };
}
