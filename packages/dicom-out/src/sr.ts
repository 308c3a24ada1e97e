/**
 * The Comprehensive SR of one analysis result.
 *
 * Why Comprehensive SR (1.2.840.10008.5.1.4.1.1.88.33) with its own tree, not TID 1500: TID 1500
 * (Measurement Report) is built around measurement groups tied to tracked regions or
 * segmentations, with an image library and procedure context; a whole-study classifier has
 * none of those, and declaring TID 1500 without them would claim a conformance we do not have.
 * Basic Text SR cannot hold NUM items (probabilities, thresholds); Enhanced SR can, but
 * Comprehensive is what PACS and viewers (Orthanc, OHIF, dcmtk's dsr2html) display most widely
 * and still allows IMAGE references to the key images and source slices. So: a Comprehensive SR
 * with no template identifier, every item coded (see codes.ts), relationships CONTAINS only
 * (allowed from CONTAINER to every value type used here).
 *
 * Tree:
 *   CONTAINER Diagnostic imaging report (LN 18748-4)
 *     TEXT Comment: not for clinical use
 *     TEXT Algorithm Name / Algorithm Version / Algorithm Parameters (sha256, training data)  [TID 4019 concepts]
 *     UIDREF Series Instance UID: the analysed series
 *     CODE Exam decision: Pulmonary embolism (SCT 59282003) | negative | indeterminate, TEXT reason
 *     CONTAINER Study label results
 *       CONTAINER <label>: NUM Probability, NUM Decision threshold, CODE Decision at threshold (SCT Yes/No)
 *     CONTAINER Image quality assessment (only when the result has `quality`)
 *       CODE Diagnostic image quality (Yes/No), TEXT per check, TEXT per non-diagnostic reason
 *     IMAGE Key image (per key image), IMAGE Source image of key image
 */
import { STUDY_LABELS, type AnalysisResult } from '@embolus/shared';
import { CODES, LABEL_CODES, PRIVATE_CODES, PRIVATE_SCHEME_IDENTIFICATION, type Code } from './codes';
import { DicomOutError } from './errors';
import { readQuality, type QualitySummary } from './quality';
import { studyModules, type StudyAttributes } from './source';
import { dicomDateTime, writePart10 } from './write';

export const COMPREHENSIVE_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.33';

/** A referenced instance. */
export interface InstanceRef {
  sopClassUid: string;
  sopInstanceUid: string;
}

/** What the SR is made from. */
export interface SrInput {
  /** The analysis result; a `quality` section (added by the quality gates) is used when present. */
  result: AnalysisResult;
  study: StudyAttributes;
  /** The analysed series and its instances (Current Requested Procedure Evidence). */
  sourceSeries: { seriesInstanceUid: string; instances: InstanceRef[] };
  /** Key images written for this result, each with the source slice it shows. */
  keyImages: { seriesInstanceUid: string; image: InstanceRef; source: InstanceRef }[];
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  /** The model's human-readable name (the result carries version and sha256). */
  modelName: string;
  now: Date;
  /** A comment on the key images (e.g. that the overlay placement is approximate), before their references. */
  keyImageNote?: string;
}

type Item = Record<string, unknown>;

const concept = (c: Code) => ({ ConceptNameCodeSequence: [{ ...c }] });
const text = (c: Code, value: string): Item => ({ RelationshipType: 'CONTAINS', ValueType: 'TEXT', ...concept(c), TextValue: value });
const codeItem = (c: Code, value: Code): Item => ({
  RelationshipType: 'CONTAINS',
  ValueType: 'CODE',
  ...concept(c),
  ConceptCodeSequence: [{ ...value }],
});
const uidref = (c: Code, uid: string): Item => ({ RelationshipType: 'CONTAINS', ValueType: 'UIDREF', ...concept(c), UID: uid });
const container = (c: Code, children: Item[]): Item => ({
  RelationshipType: 'CONTAINS',
  ValueType: 'CONTAINER',
  ...concept(c),
  ContinuityOfContent: 'SEPARATE',
  ContentSequence: children,
});
const image = (c: Code, ref: InstanceRef): Item => ({
  RelationshipType: 'CONTAINS',
  ValueType: 'IMAGE',
  ...concept(c),
  ReferencedSOPSequence: [{ ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid }],
});
/** DS holds at most 16 characters: six decimals are plenty for a probability. */
const ds = (v: number) => String(Number(v.toFixed(6)));
const num = (c: Code, value: number): Item => ({
  RelationshipType: 'CONTAINS',
  ValueType: 'NUM',
  ...concept(c),
  MeasuredValueSequence: [{ NumericValue: ds(value), MeasurementUnitsCodeSequence: [{ ...CODES.noUnits }] }],
});

/** The not-for-clinical-use statement carried by the SR. */
export const NOT_FOR_CLINICAL_USE_TEXT = 'NOT FOR CLINICAL USE. Research software: these results must not inform diagnosis or treatment.';

function examCode(decision: string | undefined): Code {
  if (decision === 'positive') return CODES.pulmonaryEmbolism;
  if (decision === 'negative') return PRIVATE_CODES.negativeExam;
  if (decision === 'withheld') return PRIVATE_CODES.nonDiagnosticExam;
  return PRIVATE_CODES.indeterminateExam;
}

function qualityItems(q: QualitySummary): Item[] {
  return [
    container(PRIVATE_CODES.quality, [
      codeItem(PRIVATE_CODES.diagnosticQuality, q.diagnostic ? CODES.yes : CODES.no),
      ...q.checks.map((c) => text(PRIVATE_CODES.qualityCheck, c)),
      ...q.reasons.map((r) => text(PRIVATE_CODES.nonDiagnosticReason, r)),
    ]),
  ];
}

/** Groups references by series for the evidence sequence. */
function evidence(studyUid: string, series: { seriesInstanceUid: string; refs: InstanceRef[] }[]) {
  return [
    {
      StudyInstanceUID: studyUid,
      ReferencedSeriesSequence: series
        .filter((s) => s.refs.length > 0)
        .map((s) => ({
          SeriesInstanceUID: s.seriesInstanceUid,
          ReferencedSOPSequence: s.refs.map((r) => ({ ReferencedSOPClassUID: r.sopClassUid, ReferencedSOPInstanceUID: r.sopInstanceUid })),
        })),
    },
  ];
}

/** Writes the SR as a Part 10 file. */
export function writeSr(input: SrInput): Uint8Array {
  const { result } = input;
  const labels = STUDY_LABELS.filter((l) => result.labels[l] !== undefined);
  if (labels.length === 0) throw new DicomOutError('INCOMPLETE_RESULT', 'the result has no study labels');
  const { date, time } = dicomDateTime(input.now);
  const quality = readQuality(result.quality);
  // A non-diagnostic study says so before anything else, and reports no label decision.
  const withheld = quality !== null && !quality.diagnostic;
  const content: Item[] = [
    text(CODES.comment, NOT_FOR_CLINICAL_USE_TEXT),
    ...(withheld ? quality.reasons.map((r) => text(PRIVATE_CODES.nonDiagnosticReason, r)) : []),
    text(CODES.algorithmName, input.modelName),
    text(CODES.algorithmVersion, result.model.version),
    text(CODES.algorithmParameters, `model sha256=${result.model.sha256}; trained on: ${result.model.trainedOn}`),
    uidref(CODES.seriesInstanceUid, input.sourceSeries.seriesInstanceUid),
    codeItem(PRIVATE_CODES.examDecision, examCode(result.exam?.decision)),
    ...(result.exam ? [text(PRIVATE_CODES.examDecisionReason, result.exam.reason)] : []),
    container(
      PRIVATE_CODES.labelResults,
      labels.map((l) => {
        const r = result.labels[l]!;
        const decision = withheld ? [] : [codeItem(PRIVATE_CODES.decision, r.decision ? CODES.yes : CODES.no)];
        return container(LABEL_CODES[l]!, [
          num(PRIVATE_CODES.probability, r.probability),
          num(PRIVATE_CODES.threshold, r.threshold),
          ...decision,
        ]);
      }),
    ),
    ...(quality ? qualityItems(quality) : []),
    ...(input.keyImageNote && input.keyImages.length > 0 ? [text(CODES.comment, input.keyImageNote)] : []),
    ...input.keyImages.flatMap((k) => [image(PRIVATE_CODES.keyImage, k.image), image(PRIVATE_CODES.sourceImage, k.source)]),
  ];
  const keySeries = new Map<string, InstanceRef[]>();
  for (const k of input.keyImages) keySeries.set(k.seriesInstanceUid, [...(keySeries.get(k.seriesInstanceUid) ?? []), k.image]);
  const dataset: Record<string, unknown> = {
    // Reasons and model descriptions may hold non-ASCII text (≥, dashes): UTF-8.
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_SR_STORAGE,
    SOPInstanceUID: input.sopInstanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    CodingSchemeIdentificationSequence: [{ ...PRIVATE_SCHEME_IDENTIFICATION }],
    ...studyModules(input.study),
    Modality: 'SR',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: input.seriesNumber,
    SeriesDescription: 'EMBOLUS AI RESULT - NOT FOR CLINICAL USE',
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Embolus',
    ManufacturerModelName: input.modelName,
    SoftwareVersions: result.model.version,
    InstanceNumber: 1,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    ContentDate: date,
    ContentTime: time,
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: evidence(input.study.StudyInstanceUID, [
      { seriesInstanceUid: input.sourceSeries.seriesInstanceUid, refs: input.sourceSeries.instances },
      ...[...keySeries].map(([seriesInstanceUid, refs]) => ({ seriesInstanceUid, refs })),
    ]),
    ValueType: 'CONTAINER',
    ...concept(CODES.documentTitle),
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: content,
  };
  return writePart10(dataset, COMPREHENSIVE_SR_STORAGE, input.sopInstanceUid);
}
