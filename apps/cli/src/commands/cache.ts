/**
 * `embolus cache <rsna-layout-dir> --out <cache-dir> [--split train:val:test] [--limit n] [--workers n]`:
 * builds the training cache with a progress bar, n studies at a time (default: one per core, at
 * most 8); rerunning resumes after an interruption.
 */
import { parseArgs } from 'node:util';
import { buildCache, defaultCacheWorkers, parseSplit } from '@embolus/preprocess/node';
import { UsageError } from '@embolus/shared';
import { progressBar } from '../progress';

/** Entry point of `embolus cache`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      split: { type: 'string', default: '8:1:1' },
      limit: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.out)
    throw new UsageError('usage: embolus cache <rsna-layout-dir> --out <cache-dir> [--split 8:1:1] [--limit n] [--workers n]');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit takes a positive integer');
  const workers = values.workers === undefined ? defaultCacheWorkers() : Number(values.workers);
  if (!(Number.isInteger(workers) && workers > 0)) throw new UsageError('--workers takes a positive integer');
  const bar = progressBar('cache');
  const r = await buildCache(positionals[0]!, values.out, {
    split: parseSplit(values.split!),
    ...(limit ? { limit } : {}),
    workers,
    onProgress: (p) => bar(p.done, p.total, p.failed ? `(${p.failed} failed)` : ''),
  });
  const splits = r.index.reduce<Record<string, number>>((acc, l) => ((acc[l.split] = (acc[l.split] ?? 0) + 1), acc), {});
  process.stderr.write(`cache: ${r.written} written, ${r.skipped} already there, ${r.failed} failed; splits ${JSON.stringify(splits)}\n`);
  if (r.failed) process.stderr.write(`see ${values.out}/errors.jsonl for the studies that failed\n`);
  return r.failed && !r.written && !r.skipped ? 2 : 0;
}
