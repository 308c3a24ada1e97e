/**
 * Deterministic DICOM UIDs. PS3.5 §B.2 lets anyone mint UIDs under the root 2.25 as the decimal
 * form of a UUID, with no registration; we derive the 128 bits from SHA-256 of the study key,
 * so the same seed and options always give the same UIDs and different keys never collide in
 * practice.
 */
import { digest } from './random';

/** Implementation Class UID written in every file's meta header (a fixed UUID-derived UID). */
export const IMPLEMENTATION_CLASS_UID = uuidUid(digest('embolus-phantom', 'implementation-class'));

/** CT Image Storage SOP Class (PS3.4 §B.5). */
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** Explicit VR Little Endian transfer syntax. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/**
 * `2.25.<decimal>` from the first 16 bytes of a hash, stamped as an RFC 9562 version-8 (custom)
 * UUID with the RFC variant bits, so the number is a well-formed UUID as §B.2 asks.
 */
function uuidUid(hash: Uint8Array): string {
  const bytes = Uint8Array.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

/** The UIDs of one study, all derived from `key` (seed plus resolved options). */
export interface StudyUids {
  study: string;
  series: string;
  frameOfReference: string;
  /** SOP Instance UID of slice `k` (k counts slices in ascending z). */
  sop(k: number): string;
}

/** Mints every UID of a study from its key. */
export function studyUids(key: string): StudyUids {
  return {
    study: uuidUid(digest(key, 'study')),
    series: uuidUid(digest(key, 'series')),
    frameOfReference: uuidUid(digest(key, 'frame-of-reference')),
    sop: (k) => uuidUid(digest(key, 'sop', k)),
  };
}
