/**
 * `embolus dicom info <file>` and `embolus dicom hu <file>... (--out f.npy | --out-dir dir)`.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DicomError, decodeDicom, readDicomInfo, transferSyntaxInfo } from '@embolus/dicom';
import { readBytes } from '@embolus/dicom/node';
import { UsageError } from '@embolus/shared';
import { writeNpy } from '@embolus/preprocess/node';

/** Key tags of an instance as printed by `dicom info` (no patient attributes). */
export function infoJson(file: string, bytes: Uint8Array): Record<string, unknown> {
  const { parsed, info } = readDicomInfo(bytes, { source: file });
  const ts = transferSyntaxInfo(parsed.transferSyntaxUid);
  return {
    file,
    transferSyntax: {
      uid: parsed.transferSyntaxUid,
      name: ts?.name ?? 'unsupported',
      lossy: ts?.lossy ?? null,
      supported: ts !== undefined,
    },
    hasPreamble: parsed.hasPreamble,
    hasFileMeta: parsed.hasFileMeta,
    sopClassUid: info.sopClassUid ?? null,
    sopInstanceUid: info.sopInstanceUid ?? null,
    seriesInstanceUid: info.seriesInstanceUid ?? null,
    studyInstanceUid: info.studyInstanceUid ?? null,
    modality: info.modality ?? null,
    manufacturer: info.manufacturer ?? null,
    seriesDescription: info.seriesDescription ?? null,
    instanceNumber: info.instanceNumber ?? null,
    pixel: info.pixel ?? null,
    plane: info.planes[0] ?? null,
    frames: info.pixel?.frames ?? 0,
    modalityLut:
      info.modalityLut[0]?.kind === 'lut'
        ? { kind: 'lut', entries: info.modalityLut[0].data.length, firstMapped: info.modalityLut[0].firstMapped }
        : (info.modalityLut[0] ?? null),
    padding: info.padding ?? null,
    warnings: info.warnings,
  };
}

async function info(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('dicom info takes exactly one file');
  const file = positionals[0]!;
  process.stdout.write(JSON.stringify(infoJson(file, await readBytes(file).catch((e) => notFound(file, e))), null, 2) + '\n');
  return 0;
}

function notFound(file: string, e: unknown): never {
  throw new DicomError('NOT_DICOM', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
}

async function huOne(file: string, out: string): Promise<void> {
  const img = await decodeDicom(await readBytes(file).catch((e) => notFound(file, e)), { source: file });
  await writeNpy(out, img.hu, [img.pixel.frames, img.pixel.rows, img.pixel.cols]);
}

async function hu(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, 'out-dir': { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('dicom hu needs at least one file');
  if (values.out && values['out-dir']) throw new UsageError('give either --out or --out-dir, not both');
  if (values.out) {
    if (positionals.length !== 1) throw new UsageError('--out takes one input file; use --out-dir for many');
    await huOne(positionals[0]!, values.out);
    return 0;
  }
  const dir = values['out-dir'];
  if (!dir) throw new UsageError('dicom hu needs --out <file.npy> or --out-dir <dir>');
  await mkdir(dir, { recursive: true });
  const manifest = path.join(dir, 'manifest.jsonl');
  await writeFile(manifest, '');
  let failures = 0;
  const used = new Set<string>();
  for (const [i, file] of positionals.entries()) {
    // Output names come from the input's base name, made unique when two inputs share one.
    let name = path.basename(file).replace(/\.dcm$/i, '') || `input-${i}`;
    if (used.has(name)) name = `${name}-${i}`;
    used.add(name);
    const npy = path.join(dir, `${name}.npy`);
    let line: Record<string, unknown>;
    try {
      await huOne(file, npy);
      line = { file, npy };
    } catch (e) {
      failures++;
      const err = e instanceof DicomError ? e : new DicomError('DECODE_FAILED', e instanceof Error ? e.message : String(e));
      line = { file, error: { code: err.code, message: err.message } };
    }
    await appendFile(manifest, JSON.stringify(line) + '\n');
  }
  process.stderr.write(`${positionals.length - failures} of ${positionals.length} decoded; manifest: ${manifest}\n`);
  return 0;
}

/** Entry point of `embolus dicom`. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'info') return info(rest);
  if (sub === 'hu') return hu(rest);
  throw new UsageError(`dicom takes 'info' or 'hu', not '${sub ?? ''}'`);
}
