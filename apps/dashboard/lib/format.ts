/** Formatting for the dashboard: percentages, times, statuses. */
import type { StudyStatus } from './types';

export function percent(p: number | null | undefined, digits = 0): string {
  return p === null || p === undefined ? '—' : `${(p * 100).toFixed(digits)} %`;
}

/** A time as `14:03` today, else `3 Dec 14:03` (the viewer's local time zone). */
export function when(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const today = new Date();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`;
}

/** What a clinician calls each API status. */
export const STATUS_NAMES: Record<StudyStatus, string> = {
  receiving: 'Uploading',
  queued: 'Queued',
  processing: 'Running',
  complete: 'Done',
  failed: 'Failed',
};

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The analysis stages a runner reports, in order, with what a clinician reads. */
const STAGES: Record<string, string> = {
  fetch: 'fetching images',
  model: 'loading model',
  series: 'assembling series',
  preprocess: 'preprocessing',
  inference: 'running the model',
  upload: 'saving result',
};
const STAGE_ORDER = Object.keys(STAGES);

/** `step 3 of 6: assembling series`, or null for an unknown stage. */
export function stageText(stage: string | null): string | null {
  if (!stage || !(stage in STAGES)) return null;
  return `step ${STAGE_ORDER.indexOf(stage) + 1} of ${STAGE_ORDER.length}: ${STAGES[stage]}`;
}
