/**
 * The API's bodies as the dashboard reads them. The result type comes from the shared schema
 * (a type-only import: nothing of zod reaches the browser bundle).
 */
import type { AnalysisResult, StudyLabel } from '@embolus/shared';

export type { AnalysisResult, StudyLabel };

export type StudyStatus = 'receiving' | 'queued' | 'processing' | 'complete' | 'failed';
/** A worklist row's decision; `non_diagnostic`: a study-quality gate failed (no decision, no probability). */
export type Decision = 'positive' | 'negative' | 'indeterminate' | 'non_diagnostic';
export type UserRole = 'clinician' | 'quality' | 'admin';

/** GET /v1/auth/session and POST /v1/auth/sign-in. */
export interface SessionInfo {
  user: { id: string; email: string; role: UserRole; tenantId: string; tenantName: string };
  csrfToken: string;
  expiresAt: string;
  idleTimeoutSeconds: number;
}

/** One row of GET /v1/studies. */
export interface WorklistItem {
  id: string;
  status: StudyStatus;
  studyInstanceUid: string | null;
  instanceCount: number;
  totalBytes: number;
  priority: number;
  urgent: boolean;
  peProbability: number | null;
  decision: Decision | null;
  createdAt: string;
  submittedAt: string | null;
  completedAt: string | null;
  modelVersion: string | null;
  centralPe: boolean | null;
  rvLvGte1: boolean | null;
  /** While processing: the runner's last reported stage. */
  stage: string | null;
}

export interface WorklistPage {
  items: WorklistItem[];
  nextOffset: number | null;
}

/** GET /v1/studies/{id}. */
export interface StudyDetail {
  /** "Non-diagnostic: <reason>" when a quality gate failed: shown before anything else. */
  nonDiagnostic?: string;
  id: string;
  status: StudyStatus;
  series: { seriesInstanceUid: string | null; modality: string | null; instanceCount: number; bytes: number }[];
  result: AnalysisResult | null;
  failure?: { code: string; message: string } | null;
}
