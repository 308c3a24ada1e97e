/**
 * What the report routes need from the platform: something that turns a study's stored result
 * into a report. Node provides it (node/report.ts: key images decode stored slices); the Worker
 * leaves it out, and the routes answer 501 REPORT_UNAVAILABLE there. Types only, so nothing of
 * the report stack is bundled into the Worker.
 */
import type { Study } from '@embolus/db';
import type { AnalysisResult } from '@embolus/shared';
import type { AppDeps } from './deps';

/** One report to make. */
export interface ReportRequest {
  tenantId: string;
  study: Study;
  result: AnalysisResult;
  /** The job whose artifacts (cam.npy) belong to the result. */
  jobId: string;
  format: 'pdf' | 'html';
  generatedAt: Date;
}

/** A made report. */
export interface MadeReport {
  body: Uint8Array | string;
  keyImages: number;
  /** Why there are no key images, when there are none. */
  keyImageAbsence?: string;
}

/** Makes reports from stored results, instances and artifacts. */
export interface ReportMaker {
  make(deps: Pick<AppDeps, 'store' | 'blobs' | 'config'>, request: ReportRequest): Promise<MadeReport>;
}
