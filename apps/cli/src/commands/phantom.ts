/**
 * `embolus phantom`: writes synthetic CTPA studies (DICOM) with RSNA-STR PE labels.
 *
 *   embolus phantom --out <dir> --studies N --seed S [--positive-rate p] [--indeterminate-rate q]
 *                   [--rsna-layout] [--preset full|demo] [--matrix M] [--slices K | --z-extent mm]
 *                   [--slice-thickness mm] [--slice-spacing mm] [--storage signed|unsigned]
 *                   [--noise hu] [--identified] [--json] [--quiet]
 *
 * The files are anonymized as written (PatientName, PatientID and StudyID empty), so the API
 * accepts them; --identified writes a pseudonym there instead, which the API refuses (for tests).
 *
 * Files go to `<out>/<StudyUID>/<SeriesUID>/<SOPUID>.dcm`, the ground truth to
 * `<out>/phantom-manifest.json`, and with --rsna-layout the labels to `<out>/train.csv`.
 * Progress goes to stderr, one line per study; the summary to stdout.
 */
import { parseArgs } from 'node:util';
import { PhantomError, writeDataset, type DatasetOptions, type PixelStorage, type Preset } from '@embolus/phantom';
import { UsageError } from '@embolus/shared';

const USAGE =
  'usage: embolus phantom --out <dir> --studies N --seed S [--positive-rate p] [--indeterminate-rate q] [--rsna-layout]\n' +
  '       [--preset full|demo] [--matrix M] [--slices K | --z-extent mm] [--slice-thickness mm] [--slice-spacing mm]\n' +
  '       [--storage signed|unsigned] [--noise hu] [--identified] [--json] [--quiet]';

const OPTIONS = {
  out: { type: 'string' },
  studies: { type: 'string' },
  seed: { type: 'string' },
  'positive-rate': { type: 'string' },
  'indeterminate-rate': { type: 'string' },
  'rsna-layout': { type: 'boolean', default: false },
  preset: { type: 'string' },
  matrix: { type: 'string' },
  slices: { type: 'string' },
  'z-extent': { type: 'string' },
  'slice-thickness': { type: 'string' },
  'slice-spacing': { type: 'string' },
  storage: { type: 'string' },
  noise: { type: 'string' },
  identified: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A numeric flag, or undefined when absent; rejects anything that is not a finite number. */
function num(values: Record<string, unknown>, flag: string, integer = false): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${flag} takes ${integer ? 'an integer' : 'a number'}, not '${String(raw)}'\n${USAGE}`);
  }
  return v;
}

function choice<T extends string>(values: Record<string, unknown>, flag: string, allowed: readonly T[]): T | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${flag} takes ${allowed.join(' or ')}, not '${String(raw)}'`);
  return raw as T;
}

/** Entry point of `embolus phantom`. */
export async function run(argv: string[]): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
  if (values.help) {
    process.stderr.write(USAGE + '\n');
    return 0;
  }
  const out = values.out;
  const studies = num(values, 'studies', true);
  const seed = num(values, 'seed', true);
  if (typeof out !== 'string' || out === '' || studies === undefined || seed === undefined) {
    throw new UsageError(`--out, --studies and --seed are required\n${USAGE}`);
  }
  if (studies < 1) throw new UsageError('--studies must be at least 1');
  if (values.slices !== undefined && values['z-extent'] !== undefined) throw new UsageError('give --slices or --z-extent, not both');
  const study: NonNullable<DatasetOptions['study']> = {
    preset: choice<Preset>(values, 'preset', ['full', 'demo']),
    matrix: num(values, 'matrix', true),
    slices: num(values, 'slices', true),
    zExtentMm: num(values, 'z-extent'),
    sliceThicknessMm: num(values, 'slice-thickness'),
    sliceSpacingMm: num(values, 'slice-spacing'),
    storage: choice<PixelStorage>(values, 'storage', ['signed', 'unsigned']),
    noiseHu: num(values, 'noise'),
    identified: values.identified === true ? true : undefined,
  };
  for (const key of Object.keys(study) as (keyof typeof study)[]) if (study[key] === undefined) delete study[key];

  const quiet = values.quiet === true;
  const t0 = performance.now();
  let summary;
  try {
    summary = await writeDataset({
      out,
      studies,
      seed,
      positiveRate: num(values, 'positive-rate'),
      indeterminateRate: num(values, 'indeterminate-rate'),
      rsnaLayout: values['rsna-layout'] === true,
      study,
      onProgress: (done, total, s) => {
        if (quiet) return;
        const elapsed = (performance.now() - t0) / 1000;
        const eta = (elapsed / done) * (total - done);
        process.stderr.write(
          `phantom ${done}/${total}  ${s.kind.padEnd(13)} ${s.slices} slices ${s.protocol.matrix}²  ` +
            `${(s.ms / 1000).toFixed(1)} s  (eta ${eta.toFixed(0)} s)\n`,
        );
      },
    });
  } catch (e) {
    // Out-of-range values are the user's to fix: report them as usage errors.
    if (e instanceof PhantomError && e.code === 'INVALID_OPTIONS') throw new UsageError(`${e.message}\n${USAGE}`);
    throw e;
  }
  const result = {
    out: summary.out,
    studies: summary.studies.length,
    counts: summary.counts,
    slices: summary.slices,
    csv: summary.csv ?? null,
    manifest: summary.manifest,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
  };
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const c = result.counts;
    process.stdout.write(
      `wrote ${result.studies} studies (${c.positive} positive, ${c.negative} negative, ${c.indeterminate} indeterminate), ` +
        `${result.slices} slices to ${result.out} in ${result.seconds} s\n` +
        (result.csv ? `labels: ${result.csv}\n` : '') +
        `ground truth: ${result.manifest}\nsynthetic data, not for clinical use\n`,
    );
  }
  return 0;
}
