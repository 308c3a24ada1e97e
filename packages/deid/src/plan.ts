/**
 * Grouping of scanned files into studies and series, with the summary the page shows (series,
 * slices, modality, slice thickness) and the refusals, one per file.
 */
import type { DeidErrorCode } from './errors';
import type { InstanceHeader, RemovedAttribute } from './deidentify';
import type { FileLike } from './read-file';

/** A file the scan accepted. */
export interface ScannedFile {
  /** Position in the list the scan was given. */
  index: number;
  file: FileLike;
  header: InstanceHeader;
  /** What de-identification will remove from it (read from its header). */
  removed: RemovedAttribute[];
}

/** A file that is not uploaded, and why. */
export interface RefusedFile {
  index: number;
  name: string;
  size: number;
  code: DeidErrorCode;
  /** The API's own error code when `code` is API_REFUSED (NOT_ANONYMIZED, CONFLICT…). */
  apiCode?: string;
  /** Names the file, tags and limits; never attribute values. */
  message: string;
}

/** One series of a study. */
export interface SeriesSummary {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  modality: string;
  slices: number;
  /** The slice thickness (mm) when all slices agree, else null (see `sliceThicknesses`). */
  sliceThickness: number | null;
  /** Distinct slice thicknesses, ascending. */
  sliceThicknesses: number[];
  rows: number | null;
  columns: number | null;
  bytes: number;
  files: ScannedFile[];
}

/** One study: the unit created, uploaded and submitted on the API. */
export interface StudySummary {
  studyInstanceUid: string;
  /** 1-based number of the patient in this upload (patients are told apart, never named). */
  patient: number;
  series: SeriesSummary[];
  instances: number;
  bytes: number;
}

/** An attribute removed from some files of the upload. */
export interface RemovedSummary extends RemovedAttribute {
  /** How many files held a value in it. */
  files: number;
}

/** Everything the page shows before the upload starts. */
export interface UploadPlan {
  studies: StudySummary[];
  refused: RefusedFile[];
  /** What de-identification removes, by tag, with counts. Never values. */
  removed: RemovedSummary[];
  /** Distinct patients among the accepted files. */
  patients: number;
  files: number;
}

/** Groups scanned files by study and series; a study whose files name different patients is refused whole. */
export function buildPlan(scanned: ScannedFile[], refused: RefusedFile[]): UploadPlan {
  const byStudy = new Map<string, ScannedFile[]>();
  for (const s of scanned) {
    const list = byStudy.get(s.header.studyInstanceUid) ?? [];
    list.push(s);
    byStudy.set(s.header.studyInstanceUid, list);
  }
  const patientNumbers = new Map<string, number>();
  const studies: StudySummary[] = [];
  const allRefused = [...refused];
  const accepted: ScannedFile[] = [];
  for (const [studyInstanceUid, files] of byStudy) {
    const keys = new Set(files.map((f) => f.header.patientKey));
    if (keys.size > 1) {
      for (const f of files) {
        allRefused.push({
          index: f.index,
          name: f.file.name,
          size: f.file.size,
          code: 'MIXED_PATIENTS',
          message: `${f.file.name}: the ${files.length} files of its study name ${keys.size} different patients; none of them is uploaded`,
        });
      }
      continue;
    }
    const key = files[0]!.header.patientKey;
    if (!patientNumbers.has(key)) patientNumbers.set(key, patientNumbers.size + 1);
    accepted.push(...files);
    studies.push({
      studyInstanceUid,
      patient: patientNumbers.get(key)!,
      series: groupSeries(files),
      instances: files.length,
      bytes: files.reduce((n, f) => n + f.file.size, 0),
    });
  }
  allRefused.sort((a, b) => a.index - b.index);
  return {
    studies,
    refused: allRefused,
    removed: summariseRemoved(accepted),
    patients: patientNumbers.size,
    files: scanned.length + refused.length,
  };
}

function groupSeries(files: ScannedFile[]): SeriesSummary[] {
  const bySeries = new Map<string, ScannedFile[]>();
  for (const f of files) {
    const list = bySeries.get(f.header.seriesInstanceUid) ?? [];
    list.push(f);
    bySeries.set(f.header.seriesInstanceUid, list);
  }
  const out: SeriesSummary[] = [];
  for (const [seriesInstanceUid, list] of bySeries) {
    list.sort((a, b) => (a.header.instanceNumber ?? 0) - (b.header.instanceNumber ?? 0) || a.index - b.index);
    const first = list[0]!.header;
    const thicknesses = [...new Set(list.map((f) => f.header.sliceThickness).filter((t): t is number => t !== null))].sort((a, b) => a - b);
    out.push({
      seriesInstanceUid,
      seriesNumber: first.seriesNumber,
      modality: first.modality,
      slices: new Set(list.map((f) => f.header.sopInstanceUid)).size,
      sliceThickness: thicknesses.length === 1 ? thicknesses[0]! : null,
      sliceThicknesses: thicknesses,
      rows: first.rows,
      columns: first.columns,
      bytes: list.reduce((n, f) => n + f.file.size, 0),
      files: list,
    });
  }
  return out.sort((a, b) => (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0));
}

function summariseRemoved(files: ScannedFile[]): RemovedSummary[] {
  const byTag = new Map<string, RemovedSummary>();
  for (const f of files) {
    for (const r of f.removed) {
      const seen = byTag.get(r.tag);
      if (seen) seen.files++;
      else byTag.set(r.tag, { ...r, files: 1 });
    }
  }
  return [...byTag.values()].sort((a, b) => a.tag.localeCompare(b.tag));
}
