/**
 * The coded concepts of the Embolus SR. Standard codes where one exists with the meaning we
 * need; the RSNA-STR label set (central, left-sided, chronic…) has no single pre-coordinated
 * standard code per label, so those use the private scheme 99EMBOLUS (a "99" designator is
 * private by PS3.16 section 8), declared in Coding Scheme Identification Sequence.
 */

/** A coded concept as in a DICOM code sequence item. */
export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Code => ({
  CodeValue,
  CodingSchemeDesignator,
  CodeMeaning,
});

/** The private coding scheme's designator. */
export const PRIVATE_SCHEME = '99EMBOLUS';
const emb = (value: string, meaning: string) => code(value, PRIVATE_SCHEME, meaning);

/** Standard codes (SNOMED CT, DICOM DCM, LOINC, UCUM). */
export const CODES = {
  /** LOINC, CID 7000 Diagnostic Imaging Report Document Titles: the document title. */
  documentTitle: code('18748-4', 'LN', 'Diagnostic imaging report'),
  /** SNOMED CT: the finding the model reports on; the exam decision "positive". */
  pulmonaryEmbolism: code('59282003', 'SCT', 'Pulmonary embolism'),
  /** SNOMED CT qualifiers for decisions. */
  yes: code('373066001', 'SCT', 'Yes'),
  no: code('373067005', 'SCT', 'No'),
  /** DICOM, TID 4019 Algorithm Identification. */
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  algorithmParameters: code('111002', 'DCM', 'Algorithm Parameters'),
  /** DICOM: free-text comment (used for the not-for-clinical-use statement and reasons). */
  comment: code('121106', 'DCM', 'Comment'),
  /** DICOM: the analysed series. */
  seriesInstanceUid: code('112002', 'DCM', 'Series Instance UID'),
  /** UCUM: probabilities and thresholds are unitless. */
  noUnits: code('1', 'UCUM', 'no units'),
} as const;

/** Private concepts (99EMBOLUS). */
export const PRIVATE_CODES = {
  labelResults: emb('EMB100', 'Study label results'),
  probability: emb('EMB101', 'Probability'),
  threshold: emb('EMB102', 'Decision threshold'),
  decision: emb('EMB103', 'Decision at threshold'),
  examDecision: emb('EMB104', 'Exam decision'),
  examDecisionReason: emb('EMB105', 'Exam decision reason'),
  negativeExam: emb('EMB106', 'Negative exam for pulmonary embolism'),
  indeterminateExam: emb('EMB107', 'Indeterminate exam for pulmonary embolism'),
  nonDiagnosticExam: emb('EMB108', 'Non-diagnostic exam: no decision'),
  quality: emb('EMB200', 'Image quality assessment'),
  diagnosticQuality: emb('EMB201', 'Diagnostic image quality'),
  qualityCheck: emb('EMB202', 'Image quality check'),
  nonDiagnosticReason: emb('EMB203', 'Non-diagnostic reason'),
  keyImage: emb('EMB300', 'Key image with Grad-CAM overlay'),
  sourceImage: emb('EMB301', 'Source image of key image'),
  notForClinicalUse: emb('EMB900', 'Not for clinical use'),
} as const;

/** One private concept per RSNA-STR study label. */
export const LABEL_CODES: Readonly<Record<string, Code>> = {
  negative_exam_for_pe: emb('EMBL01', 'Negative exam for PE'),
  indeterminate: emb('EMBL02', 'Indeterminate exam'),
  chronic_pe: emb('EMBL03', 'Chronic PE'),
  acute_and_chronic_pe: emb('EMBL04', 'Acute and chronic PE'),
  central_pe: emb('EMBL05', 'Central PE'),
  leftsided_pe: emb('EMBL06', 'Left-sided PE'),
  rightsided_pe: emb('EMBL07', 'Right-sided PE'),
  rv_lv_ratio_gte_1: emb('EMBL08', 'RV/LV ratio >= 1'),
  rv_lv_ratio_lt_1: emb('EMBL09', 'RV/LV ratio < 1'),
};

/** The Coding Scheme Identification Sequence item declaring the private scheme. */
export const PRIVATE_SCHEME_IDENTIFICATION = {
  CodingSchemeDesignator: PRIVATE_SCHEME,
  CodingSchemeName: 'Embolus research labels',
  CodingSchemeResponsibleOrganization: 'Embolus open-source project',
};
