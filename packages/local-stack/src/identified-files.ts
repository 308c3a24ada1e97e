/**
 * Phantom CT files (from @embolus/phantom) made identifying on purpose with made-up values: a
 * PatientName, a PatientID, a private block, and a PatientName two sequences deep.
 */
import { createRequire } from 'node:module';
import { generateStudy } from '@embolus/phantom';

const dcmjs = createRequire(import.meta.url)('dcmjs') as {
  data: {
    DicomMessage: { readFile(b: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, { vr: string; Value: unknown[] }> } };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
  };
};

/** The made-up identifying values the files carry. No file may leave with any of them. */
export const IDENTITY = {
  patientName: 'DOEPHANTOM^JANEQ',
  patientId: 'MRN-4471-0098-ZX',
  privateValue: 'PRIVATE-SECRET-5531',
  nestedName: 'NESTEDQ^HIDDENNAME',
} as const;

/** Sets attributes on a Part 10 file. `edit` gets dcmjs's tag dictionary. */
export function editFile(bytes: Uint8Array, edit: (dict: Record<string, { vr: string; Value: unknown[] }>) => void): Uint8Array {
  const file = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  edit(file.dict);
  const out = new dcmjs.data.DicomDict(file.meta);
  out.dict = file.dict;
  return new Uint8Array(out.write());
}

/** Adds the identifying attributes of {@link IDENTITY}. */
export function makeIdentifying(bytes: Uint8Array): Uint8Array {
  return editFile(bytes, (d) => {
    d['00100010'] = { vr: 'PN', Value: [{ Alphabetic: IDENTITY.patientName }] };
    d['00100020'] = { vr: 'LO', Value: [IDENTITY.patientId] };
    d['00090010'] = { vr: 'LO', Value: ['ACME_PRIV'] };
    d['00091001'] = { vr: 'LO', Value: [IDENTITY.privateValue] };
    // AnatomicRegionSequence > item > AnatomicRegionModifierSequence > item > PatientName.
    d['00082218'] = {
      vr: 'SQ',
      Value: [
        {
          '00080100': { vr: 'SH', Value: ['T-D3000'] },
          '00082220': { vr: 'SQ', Value: [{ '00100010': { vr: 'PN', Value: [{ Alphabetic: IDENTITY.nestedName }] } }] },
        },
      ],
    };
  });
}

/** A phantom series as Files; `identifying` adds {@link IDENTITY} to every file. */
export function phantomFiles(opts: { seed?: number; slices?: number; matrix?: number; identifying?: boolean } = {}): {
  files: File[];
  bytes: Uint8Array[];
  study: ReturnType<typeof generateStudy>;
} {
  const study = generateStudy({
    seed: opts.seed ?? 7,
    kind: 'negative',
    matrix: opts.matrix ?? 64,
    slices: opts.slices ?? 8,
    noiseHu: 0,
    storage: 'signed',
  });
  const bytes = study.files.map((f) => (opts.identifying === false ? f.bytes : makeIdentifying(f.bytes)));
  const files = bytes.map((b, i) => new File([b], `slice-${String(i).padStart(3, '0')}.dcm`, { type: 'application/dicom' }));
  return { files, bytes, study };
}
