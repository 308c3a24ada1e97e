/** The types every codec shares: what a frame must decode to, and what it decodes to. */

/** What the DICOM header says a frame must decode to. */
export interface FrameSpec {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  photometric: string;
}

/** Decoded samples of one frame (unsigned bit patterns). */
export type Samples = Uint8Array | Uint16Array | Uint32Array;
