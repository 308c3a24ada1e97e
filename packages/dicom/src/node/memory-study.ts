/**
 * A study held in memory, from fetched bytes to a HU volume with no file in between: the
 * runner's path. The bytes of every instance lie in one SharedArrayBuffer (sized from the
 * instance list before anything is fetched, so memory is bounded before it is allocated); the
 * header scan reads them there, and decode threads read them there without a copy.
 */
import { chooseSeries, type SeriesChoice } from '../series';
import type { Volume } from '../volume';
import { checkVolumeSize, ScanBuilder, type FolderScan, type LoadStudyOptions } from './files';
import { assembleVolumeParallel, defaultDecodeWorkers, type StudyInMemory } from './parallel-volume';

export type { StudyInMemory };

/** Fills a StudyInMemory instance by instance: one buffer of the listed sizes, allocated once. */
export class StudyBuffer {
  readonly buffer: SharedArrayBuffer;
  private readonly offsets: number[];
  private readonly filled = new Map<string, { offset: number; length: number }>();

  /**
   * `sizes` are the instances' byte sizes as listed (by index); their sum is allocated at once.
   * The caller checks the sum against its limit first.
   */
  constructor(private readonly sizes: readonly number[]) {
    this.offsets = [];
    let total = 0;
    for (const n of sizes) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError('instance sizes must be non-negative integers');
      this.offsets.push(total);
      total += n;
    }
    this.buffer = new SharedArrayBuffer(total);
  }

  /** Total bytes of the listed instances. */
  static total(sizes: readonly number[]): number {
    return sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * Copies instance `index`'s bytes into its slot, under the source name `name`. Bytes longer
   * than the listed size are refused (the slot would overflow into the next instance).
   */
  put(index: number, name: string, bytes: Uint8Array): void {
    const size = this.sizes[index];
    if (size === undefined) throw new RangeError(`instance ${index} is not in the list`);
    if (bytes.length > size) throw new RangeError(`instance ${index} has ${bytes.length} bytes, ${size} were listed`);
    new Uint8Array(this.buffer, this.offsets[index]!, bytes.length).set(bytes);
    this.filled.set(name, { offset: this.offsets[index]!, length: bytes.length });
  }

  /** The study as filled so far. */
  study(): StudyInMemory {
    return { buffer: this.buffer, at: this.filled };
  }
}

/**
 * Scans the study's instances (headers read in memory), chooses the series to analyse, refuses it
 * when its volume would exceed `maxVolumeBytes`, and decodes it on `workers` threads straight from
 * the shared buffer. The same scan, choice and volume as `loadStudyVolume` on the same files.
 */
export async function loadStudyVolumeFromMemory(
  study: StudyInMemory,
  options: LoadStudyOptions = {},
): Promise<{ scan: FolderScan; choice: SeriesChoice; volume: Volume }> {
  const scan = new ScanBuilder();
  // In name order, as a folder scan lists files, so equal inputs give equal plans.
  const names = [...study.at.keys()].sort();
  for (const name of names) {
    const at = study.at.get(name)!;
    scan.add(name, new Uint8Array(study.buffer, at.offset, at.length));
  }
  const scanned = scan.finish();
  const choice = chooseSeries(scanned.plans);
  checkVolumeSize(choice.chosen, options.maxVolumeBytes);
  const volume = await assembleVolumeParallel(choice.chosen, options.workers ?? defaultDecodeWorkers(), study);
  return { scan: scanned, choice, volume };
}
