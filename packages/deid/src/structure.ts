/**
 * A fast structural check before dcmjs parses a file. dcmjs's recursive reader takes minutes on
 * pathologically nested sequences (a 3.6 MB file of the shared corpus: 150 s), which would stall
 * a worker; dicom-parser reads the same header in milliseconds and fails fast. CT headers nest a
 * few levels; anything deeper than {@link MAX_SEQUENCE_DEPTH} is refused.
 */
import dicomParser, { type DataSet } from 'dicom-parser';
import { DeidError } from './errors';

/** The deepest sequence nesting accepted (the API's own walk looks 16 levels deep). */
export const MAX_SEQUENCE_DEPTH = 32;

const DEFLATED = '1.2.840.10008.1.2.1.99';

/**
 * Parses the header (up to PixelData) with dicom-parser and measures the sequence depth.
 * Deflated datasets are left to dcmjs, which inflates them.
 * @throws DeidError NOT_DICOM when the header does not parse or nests too deep
 */
export function checkStructure(buffer: ArrayBuffer, source: string): void {
  const bytes = new Uint8Array(buffer);
  let root: DataSet;
  try {
    const meta = dicomParser.readPart10Header(bytes);
    if (meta.string('x00020010')?.replace(/\0/g, '').trim() === DEFLATED) return;
    root = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' } as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch {
    throw new DeidError('NOT_DICOM', `${source}: not a readable DICOM Part 10 file`);
  }
  const stack: [DataSet, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [ds, depth] = stack.pop()!;
    for (const el of Object.values(ds.elements)) {
      for (const item of el.items ?? []) {
        if (!item.dataSet) continue;
        if (depth + 1 > MAX_SEQUENCE_DEPTH)
          throw new DeidError('NOT_DICOM', `${source}: sequences nested deeper than ${MAX_SEQUENCE_DEPTH} levels`, {
            maxDepth: MAX_SEQUENCE_DEPTH,
          });
        stack.push([item.dataSet, depth + 1]);
      }
    }
  }
}
