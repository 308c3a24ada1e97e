/** Deterministic train/val/test assignment from the StudyInstanceUID alone. */
import { createHash } from 'node:crypto';
import { PreprocessError } from '../errors';

export type Split = 'train' | 'val' | 'test';

/** Parses `train:val:test` ratios such as `8:1:1` or `0.8:0.1:0.1`. */
export function parseSplit(text: string): [number, number, number] {
  const parts = text.split(':').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0) || parts.reduce((a, b) => a + b, 0) <= 0) {
    throw new PreprocessError('INVALID_CONFIG', `--split must be train:val:test ratios like 8:1:1, got '${text}'`);
  }
  const sum = parts[0]! + parts[1]! + parts[2]!;
  return [parts[0]! / sum, parts[1]! / sum, parts[2]! / sum];
}

/** The split of a study: a hash, so adding studies never moves existing ones between splits. */
export function splitOf(studyUid: string, ratios: [number, number, number]): Split {
  const h = createHash('sha256').update(studyUid).digest().readUInt32BE(0) / 2 ** 32;
  return h < ratios[0] ? 'train' : h < ratios[0] + ratios[1] ? 'val' : 'test';
}
