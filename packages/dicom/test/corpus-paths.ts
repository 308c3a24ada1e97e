/** Where the shared, read-only DICOM corpus lives (beside the repository, never copied into it). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SHARED_DATA = process.env.EMBOLUS_SHARED_DATA ?? path.resolve(here, '../../../../shared/data');
export const CHEST_CT = path.join(SHARED_DATA, 'chest-ct/lungpetctdx_A0002_chest_noncon_8mm_B40f');
export const CORPUS = path.join(SHARED_DATA, 'dicom-corpus');

if (!existsSync(CORPUS)) {
  throw new Error(`the shared DICOM corpus is missing at ${SHARED_DATA}; set EMBOLUS_SHARED_DATA`);
}

/** Every file (not notes) under a folder, sorted, relative to SHARED_DATA. */
export function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.md')) out.push(path.relative(SHARED_DATA, p));
    }
  };
  walk(path.join(SHARED_DATA, 'dicom-corpus'));
  walk(path.join(SHARED_DATA, 'chest-ct'));
  return out.sort();
}

export function readShared(rel: string): Uint8Array {
  const b = readFileSync(path.join(SHARED_DATA, rel));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
