/**
 * Which images the viewer stacks and in which first order, from the study's instance list and
 * result: the analysed series (else the largest series), image objects only, in the result's
 * slice order when it lists every one (the viewer re-sorts by position once the headers are in).
 */
import type { AnalysisResult } from '@/lib/types';

/** A row of GET /v1/studies/{id}/instances. */
export interface InstanceRow {
  sopInstanceUid: string;
  seriesInstanceUid: string | null;
  sopClassUid: string | null;
}

/** Structured reports, key-object selections and presentation states hold no image to stack. */
const NOT_IMAGES = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.(88|11|66)\./;

/** The SOP Instance UIDs to stack, in first order. */
export function stackInstances(rows: readonly InstanceRow[], result: AnalysisResult | null): string[] {
  const images = rows.filter((r) => !r.sopClassUid || !NOT_IMAGES.test(r.sopClassUid));
  const bySeries = new Map<string, InstanceRow[]>();
  for (const r of images) bySeries.set(r.seriesInstanceUid ?? '', [...(bySeries.get(r.seriesInstanceUid ?? '') ?? []), r]);
  const analysed = result?.seriesInstanceUid ? bySeries.get(result.seriesInstanceUid) : undefined;
  const series = analysed ?? [...bySeries.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const sops = series.map((r) => r.sopInstanceUid);
  const inSeries = new Set(sops);
  // The result's slices run up the patient (the series plan's order); the stack shows head first.
  const ordered = (result?.slices ?? [])
    .map((s) => s.sopInstanceUid)
    .filter((s) => inSeries.has(s))
    .reverse();
  return ordered.length === sops.length ? ordered : sops;
}
