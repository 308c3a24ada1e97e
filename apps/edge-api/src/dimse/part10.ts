/**
 * A C-STORE carries the dataset without the Part 10 file meta: the SOP Class and Instance UIDs
 * are in the command and the transfer syntax is the presentation context's. The ingest path
 * (the same as HTTP uploads) takes Part 10 files, so the meta is written here, once, into the
 * buffer the dataset bytes are copied into (one allocation of the final size).
 */

/** Implementation Class UID of Embolus DICOM output and received files (2.25: a UUID-derived root). */
export const IMPLEMENTATION_CLASS_UID = '2.25.181140384730622357217380577052310011993';
export const IMPLEMENTATION_VERSION = 'EMBOLUS_1';

function evenPadded(value: string, pad: number): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = pad;
  return out;
}

function element(group: number, elementNo: number, vr: string, value: Uint8Array): Uint8Array {
  const isOB = vr === 'OB';
  const header = new Uint8Array(isOB ? 12 : 8);
  const v = new DataView(header.buffer);
  v.setUint16(0, group, true);
  v.setUint16(2, elementNo, true);
  header[4] = vr.charCodeAt(0);
  header[5] = vr.charCodeAt(1);
  if (isOB) v.setUint32(8, value.length, true);
  else v.setUint16(6, value.length, true);
  const out = new Uint8Array(header.length + value.length);
  out.set(header);
  out.set(value, header.length);
  return out;
}

/** The Part 10 preamble, `DICM` and file meta group for a dataset received over DIMSE. */
export function fileMetaBytes(input: {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  sourceAe?: string;
}): Uint8Array {
  const uid = (s: string) => evenPadded(s, 0);
  const items = [
    element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1])),
    element(0x0002, 0x0002, 'UI', uid(input.sopClassUid)),
    element(0x0002, 0x0003, 'UI', uid(input.sopInstanceUid)),
    element(0x0002, 0x0010, 'UI', uid(input.transferSyntaxUid)),
    element(0x0002, 0x0012, 'UI', uid(IMPLEMENTATION_CLASS_UID)),
    element(0x0002, 0x0013, 'SH', evenPadded(IMPLEMENTATION_VERSION, 0x20)),
    ...(input.sourceAe ? [element(0x0002, 0x0016, 'AE', evenPadded(input.sourceAe, 0x20))] : []),
  ];
  const groupLength = items.reduce((n, e) => n + e.length, 0);
  const gl = new Uint8Array(4);
  new DataView(gl.buffer).setUint32(0, groupLength, true);
  const out = new Uint8Array(132 + 12 + groupLength);
  out.set(new TextEncoder().encode('DICM'), 128);
  out.set(element(0x0002, 0x0000, 'UL', gl), 132);
  let off = 144;
  for (const e of items) {
    out.set(e, off);
    off += e.length;
  }
  return out;
}
