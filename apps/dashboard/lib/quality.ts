/**
 * The quality team's view of the API: the bodies of the metrics, model registry and ground-truth
 * routes, and who may open the quality pages. The API refuses these routes to other roles too;
 * the pages only say so first, clearly.
 */
import type { StudyLabel, UserRole } from './types';

/** Roles that may open the quality and model pages (ROLES_FOR.metrics in the API). */
export const QUALITY_ROLES: readonly UserRole[] = ['quality', 'admin'];

export function canSeeQuality(role: UserRole | undefined): boolean {
  return role !== undefined && QUALITY_ROLES.includes(role);
}

export type Period = 'week' | 'month';

/** One label in one period of GET /v1/metrics/cohort: an AUROC with CI, or too little data. */
export type CohortCell =
  | { kind: 'auroc'; n: number; positives: number; negatives: number; auroc: number; ci: [number, number] }
  | { kind: 'insufficient_data'; n: number; positives: number; negatives: number; required: { positives: number; negatives: number } };

export interface CohortWindow {
  key: string;
  start: string;
  end: string;
  studies: number;
  labels: Partial<Record<StudyLabel, CohortCell>>;
}

/** GET /v1/metrics/cohort. */
export interface CohortSummary {
  window: Period;
  studies: number;
  labelled: number;
  windows: CohortWindow[];
}

export interface PsiDrift {
  kind: 'numeric' | 'categorical';
  psi: number;
  bins: string[];
  referenceShares: number[];
  currentShares: number[];
  ks?: { statistic: number; pValue: number; referenceN: number; currentN: number };
}

/** GET /v1/metrics/drift. */
export interface DriftReport {
  reference: { from: string; to: string; studies: number };
  current: { from: string; to: string; studies: number };
  features: Record<string, PsiDrift>;
  skipped: Record<string, string>;
}

export type ModelStatus = 'registered' | 'active' | 'shadow' | 'retired';

/** One row of GET /v1/models. */
export interface ModelInfo {
  id: string;
  version: string;
  sha256: string;
  trainedOn: string;
  status: ModelStatus;
  card: unknown;
  downloadable: boolean;
  activatedAt: string | null;
  createdAt: string;
}

/** GET /v1/models/compare. */
export interface ModelComparison {
  a: string;
  b: string;
  studies: number;
  level: number;
  labels: {
    label: StudyLabel;
    n: number;
    positives: number;
    test: { aurocA: number; aurocB: number; difference: number; ci: [number, number]; z: number; pValue: number } | null;
    reason?: string;
  }[];
}

/** One ground-truth label of GET/POST /v1/studies/{id}/labels, with its provenance. */
export interface GroundTruthLabel {
  label: StudyLabel;
  value: 0 | 1;
  source: string;
  recordedAt: string;
  /** Who entered it (the API's key or user id, or an email where the API gives one). */
  recordedBy?: string | null;
  /** How it was entered: the dashboard, a CSV import or the API. */
  enteredVia?: 'ui' | 'csv' | 'api';
}

export const GROUND_TRUTH_SOURCES = ['radiologist', 'consensus', 'pathology', 'follow-up'] as const;
export type GroundTruthSource = (typeof GROUND_TRUTH_SOURCES)[number];

/** `0.912` as `0.912`; null and NaN as an em dash. */
export function fixed(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

/** The query string of the page's selectors, so a link (the alert banner's) opens the same chart. */
export function qualityHref(path: string, q: { label?: string; period?: Period }): string {
  const s = new URLSearchParams();
  if (q.label) s.set('label', q.label);
  if (q.period) s.set('period', q.period);
  const t = s.toString();
  return t ? `${path}?${t}` : path;
}

/** A proportion with its Wilson CI, or too few subjects for one. */
export type Rate =
  | { kind: 'rate'; value: number; ci: [number, number]; successes: number; n: number }
  | { kind: 'insufficient_data'; n: number; required: number };

/** CBPE's expected performance in a period (labelled or not). */
export type CbpeCell =
  | { kind: 'estimate'; n: number; expectedPositives: number; auroc: number; sensitivity: number; specificity: number }
  | { kind: 'insufficient_data'; n: number };

/** One period of a label report. */
export interface LabelPeriod {
  key: string;
  start: string;
  end: string;
  studies: number;
  labelled: number;
  coverage: number | null;
  auroc: CohortCell;
  sensitivity: Rate;
  specificity: Rate;
  cbpe: CbpeCell;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanProbability: number | null;
  observedRate: number | null;
}

/** One label over the whole range, at the threshold in force. */
export interface LabelOverall {
  studies: number;
  labelled: number;
  auroc: CohortCell;
  roc: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] } | null;
  operatingPoint: { threshold: number; tp: number; fp: number; tn: number; fn: number; sensitivity: Rate; specificity: Rate };
  calibration: ReliabilityBin[];
}

/** The per-label metrics route: the label at its threshold in force, per period and overall. */
export interface LabelReport {
  label: StudyLabel;
  window: Period;
  /** The threshold in force: a site set's (`site`, with its version) or the model's (`default`). */
  threshold: { value: number; source: 'query' | 'site' | 'default'; setVersion: number | null };
  overall: LabelOverall;
  periods: LabelPeriod[];
}

/** The per-label report's path. */
export function labelReportPath(label: StudyLabel, period: Period): string {
  return `/v1/metrics/labels/${encodeURIComponent(label)}?window=${period}`;
}

/** A rate as `0.953 (0.921–0.972)`, or the reason there is none. */
export function rateText(r: Rate | undefined): string {
  if (!r) return '—';
  return r.kind === 'rate' ? `${fixed(r.value)} (${fixed(r.ci[0])}–${fixed(r.ci[1])})` : `too little data (n ${r.n})`;
}
