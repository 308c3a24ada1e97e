/**
 * `embolus preprocess <series-dir> --out <dir>`: writes windows.npy (float32 [W,3,10,192,192])
 * and meta.json (steps, spacing, crop box, window→slice map, lung volume, warnings, timings).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { preprocessFolder, writeNpy } from '@embolus/preprocess/node';
import { UsageError } from '@embolus/shared';

/** Entry point of `embolus preprocess`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' } } });
  if (positionals.length !== 1 || !values.out) throw new UsageError('usage: embolus preprocess <series-dir> --out <dir>');
  const { result, meta } = await preprocessFolder(positionals[0]!);
  const t = result.tensors[0]!;
  await mkdir(values.out, { recursive: true });
  await writeNpy(path.join(values.out, 'windows.npy'), t.data, t.shape);
  await writeFile(path.join(values.out, 'meta.json'), JSON.stringify(meta, null, 2));
  process.stderr.write(
    `${t.shape[0]} windows of ${t.shape.slice(1).join('×')}, lungs ${meta.lungLitres} L, ` +
      `${meta.warnings.length} warning(s) → ${values.out}\n`,
  );
  return 0;
}
