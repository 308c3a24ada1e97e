/**
 * Datasets named in training and evaluation job payloads: a folder in RSNA-STR PE layout under
 * the runner's data root (never outside it), optionally with an already built cache, and the
 * train:val:test split that assigns studies by a hash of their UID.
 */
import path from 'node:path';
import { parseSplit, readRsnaLayout, splitOf, type RsnaStudy, type Split } from '@embolus/preprocess/node';
import { z } from 'zod';
import { RunnerError } from './errors';

/** The dataset part of a payload. Paths are relative to the runner's `--data-root`. */
export const DatasetSchema = z.object({
  path: z.string().min(1).max(500),
  cache: z.string().min(1).max(500).optional(),
  split: z
    .string()
    .regex(/^[0-9.]+:[0-9.]+:[0-9.]+$/)
    .default('8:1:1'),
});
export type Dataset = z.infer<typeof DatasetSchema>;

/** Resolves `p` under `root`, refusing absolute escapes and `..` traversal. */
export function underRoot(root: string, p: string): string {
  const abs = path.resolve(root, p);
  const rel = path.relative(path.resolve(root), abs);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new RunnerError('DATASET_INVALID', 'the dataset path is outside the runner’s data root');
  return abs;
}

/** Parses a payload with `schema`, turning zod issues into BAD_PAYLOAD (not retryable). */
export function parsePayload<T extends z.ZodType>(schema: T, payload: unknown, kind: string): z.infer<T> {
  const r = schema.safeParse(payload ?? {});
  if (!r.success) {
    throw new RunnerError(
      'BAD_PAYLOAD',
      `the ${kind} job payload is invalid: ${r.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')
        .slice(0, 300)}`,
    );
  }
  return r.data;
}

/** The studies of the dataset (all, or one split), with the split ratios. */
export async function datasetStudies(
  root: string,
  d: Dataset,
  split?: Split,
): Promise<{ dir: string; ratios: [number, number, number]; studies: RsnaStudy[] }> {
  const dir = underRoot(root, d.path);
  let ratios: [number, number, number];
  let studies: RsnaStudy[];
  try {
    ratios = parseSplit(d.split);
    studies = await readRsnaLayout(dir);
  } catch (e) {
    throw new RunnerError('DATASET_INVALID', `the dataset is not a readable RSNA layout (${(e as { code?: string }).code ?? 'ERROR'})`, {
      cause: e,
    });
  }
  return { dir, ratios, studies: split ? studies.filter((s) => splitOf(s.studyInstanceUid, ratios) === split) : studies };
}
