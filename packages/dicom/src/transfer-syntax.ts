/**
 * Transfer syntaxes this package knows, with how their pixel data is stored.
 * `codec` names the decoder in `codecs/`; `native` means uncompressed pixel data.
 */
export type CodecId = 'native' | 'rle' | 'jpeg-baseline-8' | 'jpeg-extended-12' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

/** Facts about one transfer syntax. */
export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  codec: CodecId;
  lossy: boolean;
  bigEndian: boolean;
  /** The whole dataset after the file meta is deflate-compressed. */
  deflated: boolean;
}

const ts = (uid: string, name: string, codec: CodecId, lossy = false, extra: Partial<TransferSyntaxInfo> = {}): TransferSyntaxInfo => ({
  uid,
  name,
  codec,
  lossy,
  bigEndian: false,
  deflated: false,
  ...extra,
});

/** Transfer syntax UID constants used across the package. */
export const TS = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
} as const;

const TABLE: readonly TransferSyntaxInfo[] = [
  ts(TS.ImplicitVRLittleEndian, 'Implicit VR Little Endian', 'native'),
  ts(TS.ExplicitVRLittleEndian, 'Explicit VR Little Endian', 'native'),
  ts(TS.DeflatedExplicitVRLittleEndian, 'Deflated Explicit VR Little Endian', 'native', false, { deflated: true }),
  ts(TS.ExplicitVRBigEndian, 'Explicit VR Big Endian (retired)', 'native', false, { bigEndian: true }),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline-8', true),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended-12', true),
  // Processes 6/8 and 10/12 (retired): in practice baseline/extended Huffman DCT streams.
  ts('1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8, retired)', 'jpeg-extended-12', true),
  ts('1.2.840.10008.1.2.4.55', 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12, retired)', 'jpeg-extended-12', true),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, First-Order Prediction (Process 14 SV1)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls', true),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Lossless', 'jpeg-2000'),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg-2000', true),
  ts('1.2.840.10008.1.2.4.201', 'HTJ2K Lossless', 'htj2k'),
  ts('1.2.840.10008.1.2.4.202', 'HTJ2K Lossless RPCL', 'htj2k'),
  ts('1.2.840.10008.1.2.4.203', 'HTJ2K', 'htj2k', true),
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** Looks up a transfer syntax; `undefined` when this package cannot decode it. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return BY_UID.get(uid);
}

/** Every transfer syntax this package decodes. */
export function supportedTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}
