/**
 * Uploads a scanned plan: one API study per DICOM study (created, or found again through the
 * resume store), the instances the API does not hold yet de-identified and PUT a few at a time,
 * then the study submitted. Only de-identified bytes are sent. Cancelling or a lost session
 * stops cleanly; starting again resumes by skipping what is stored (UIDs are kept, so a file's
 * SOP Instance UID is known before it is read again).
 */
import { ApiClient, apiErrorOf, type ApiClientOptions } from './api-client';
import { DeidError } from './errors';
import type { RemovedAttribute } from './deidentify';
import type { RefusedFile, RemovedSummary, ScannedFile, StudySummary, UploadPlan } from './plan';
import type { DicomProcessor } from './processor';
import type { ProfileOptions } from './profile';
import { defaultResumeStore, type ResumeStore } from './resume-store';
import { refusalOf } from './scan';

/** Options of {@link uploadPlan}. */
export interface UploadOptions extends ApiClientOptions, ProfileOptions {
  processor: DicomProcessor;
  /** Where study ids are remembered for a resume after reload (default: sessionStorage). */
  resume?: ResumeStore;
  /** Instances de-identified and in flight at once (default 4): bounds memory and connections. */
  concurrency?: number;
  maxInstanceBytes?: number;
  /** Submit each study once all its instances are stored (default true). */
  submit?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: UploadEvent) => void;
}

/** What happened to one study. */
export type StudyState = 'created' | 'resumed' | 'submitted' | 'already-submitted' | 'incomplete';

/** Events, in the order things happen. Nothing in them is an attribute value. */
export type UploadEvent =
  | { type: 'progress'; instancesDone: number; instancesTotal: number; bytesDone: number; bytesTotal: number; bytesSent: number }
  | { type: 'file'; index: number; name: string; status: 'stored' | 'duplicate' | 'skipped'; removed: RemovedAttribute[] }
  | { type: 'refused'; file: RefusedFile }
  | { type: 'study'; studyInstanceUid: string; studyId: string; state: StudyState };

/** One study's outcome. */
export interface StudyOutcome {
  studyInstanceUid: string;
  studyId: string | null;
  state: StudyState | 'not-started';
  stored: number;
  duplicates: number;
  /** Already stored by an earlier run, not read again. */
  skipped: number;
  refused: number;
}

/** The outcome of {@link uploadPlan}. */
export interface UploadReport {
  studies: StudyOutcome[];
  /** The plan's refusals and the upload's own (API refusals, failures). */
  refused: RefusedFile[];
  /** What de-identification removed from the files sent, by tag, with counts. Never values. */
  removed: RemovedSummary[];
  bytesSent: number;
  /** Why the upload stopped early (CANCELLED, UNAUTHENTICATED); absent when it ran to the end. */
  stopped?: { code: string; message: string };
}

const enc = (s: string) => encodeURIComponent(s);

/**
 * Uploads every study of a plan. Resolves with a report also when cancelled or when the session
 * is lost (see `stopped`); rejects only on programming errors.
 */
export async function uploadPlan(plan: UploadPlan, options: UploadOptions): Promise<UploadReport> {
  const api = new ApiClient(options);
  const resume = options.resume ?? defaultResumeStore();
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const emit = (e: UploadEvent) => options.onEvent?.(e);
  const signal = options.signal;
  const refused: RefusedFile[] = [...plan.refused];
  const removed = new Map<string, RemovedSummary>();
  const progress = { instancesDone: 0, instancesTotal: 0, bytesDone: 0, bytesTotal: 0, bytesSent: 0 };
  for (const s of plan.studies) (progress.instancesTotal += s.instances), (progress.bytesTotal += s.bytes);
  const tick = () => emit({ type: 'progress', ...progress });
  const settled = new Set<number>();
  const settle = (f: ScannedFile) => {
    settled.add(f.index);
    progress.instancesDone++;
    progress.bytesDone += f.file.size;
    tick();
  };
  const refuse = (r: RefusedFile) => {
    refused.push(r);
    emit({ type: 'refused', file: r });
  };
  const outcomes: StudyOutcome[] = plan.studies.map((s) => ({
    studyInstanceUid: s.studyInstanceUid,
    studyId: null,
    state: 'not-started',
    stored: 0,
    duplicates: 0,
    skipped: 0,
    refused: 0,
  }));
  tick();

  const openStudy = async (s: StudySummary, out: StudyOutcome): Promise<Set<string> | null> => {
    const known = await resume.get(s.studyInstanceUid);
    if (known) {
      const got = await api.send('GET', `/v1/studies/${enc(known)}`, { signal });
      if (got.status === 200) {
        out.studyId = known;
        const status = (got.body as { status?: string }).status;
        if (status !== 'receiving') {
          out.state = 'already-submitted';
          emit({ type: 'study', studyInstanceUid: s.studyInstanceUid, studyId: known, state: 'already-submitted' });
          return null;
        }
        const list = await api.send('GET', `/v1/studies/${enc(known)}/instances`, { signal });
        if (list.status !== 200) throw new DeidError('API_REFUSED', `listing the study's instances failed (${apiErrorOf(list).code})`);
        out.state = 'resumed';
        emit({ type: 'study', studyInstanceUid: s.studyInstanceUid, studyId: known, state: 'resumed' });
        return new Set(((list.body as { items?: { sopInstanceUid: string }[] }).items ?? []).map((i) => i.sopInstanceUid));
      }
      // Gone, or another user's study (404): start a new one.
      await resume.delete(s.studyInstanceUid);
    }
    const made = await api.send('POST', '/v1/studies', { body: '{}', contentType: 'application/json', signal });
    const id = (made.body as { id?: unknown } | null)?.id;
    if (made.status !== 201 || typeof id !== 'string') {
      const e = apiErrorOf(made);
      throw new DeidError('API_REFUSED', `creating the study failed: ${e.message}`, { apiCode: e.code });
    }
    await resume.set(s.studyInstanceUid, id);
    out.studyId = id;
    out.state = 'created';
    emit({ type: 'study', studyInstanceUid: s.studyInstanceUid, studyId: id, state: 'created' });
    return new Set();
  };

  /** De-identifies and PUTs one file; true when the API holds it afterwards. */
  const sendOne = async (f: ScannedFile, studyId: string, out: StudyOutcome): Promise<boolean> => {
    let deid;
    try {
      deid = await options.processor.deidentify(f.file, {
        ...profileOf(options),
        ...(options.maxInstanceBytes ? { maxInstanceBytes: options.maxInstanceBytes } : {}),
      });
    } catch (e) {
      if (e instanceof DeidError && e.code === 'CANCELLED') throw e;
      refuse(refusalOf(f.index, f.file, e));
      out.refused++;
      settle(f);
      return false;
    }
    const sop = deid.header.sopInstanceUid;
    const res = await api.send('PUT', `/v1/studies/${enc(studyId)}/instances/${enc(sop)}`, {
      body: new Uint8Array(deid.bytes),
      contentType: 'application/dicom',
      signal,
    });
    if (res.status === 200 || res.status === 201) {
      progress.bytesSent += deid.bytes.byteLength;
      for (const r of deid.removed) {
        const seen = removed.get(r.tag);
        if (seen) seen.files++;
        else removed.set(r.tag, { ...r, files: 1 });
      }
      if (res.status === 201) out.stored++;
      else out.duplicates++;
      emit({ type: 'file', index: f.index, name: f.file.name, status: res.status === 201 ? 'stored' : 'duplicate', removed: deid.removed });
      settle(f);
      return true;
    }
    const e = apiErrorOf(res);
    if (e.code === 'STUDY_LOCKED') throw new DeidError('API_REFUSED', e.message, { apiCode: e.code });
    refuse({
      index: f.index,
      name: f.file.name,
      size: f.file.size,
      code: 'API_REFUSED',
      apiCode: e.code,
      message: `${f.file.name}: ${e.message}`,
    });
    out.refused++;
    settle(f);
    return false;
  };

  let stopped: UploadReport['stopped'];
  for (const [i, s] of plan.studies.entries()) {
    const out = outcomes[i]!;
    const files = s.series.flatMap((x) => x.files);
    try {
      const stored = await openStudy(s, out);
      if (stored === null) {
        for (const f of files) out.skipped++, settle(f);
        continue;
      }
      // Second copies of a SOP Instance UID go after the first ones (never two PUTs of one UID at once).
      const seen = new Set<string>();
      const first: ScannedFile[] = [];
      const later: ScannedFile[] = [];
      for (const f of files) {
        if (stored.has(f.header.sopInstanceUid)) {
          out.skipped++;
          emit({ type: 'file', index: f.index, name: f.file.name, status: 'skipped', removed: [] });
          settle(f);
        } else (seen.has(f.header.sopInstanceUid) ? later : first).push(f), seen.add(f.header.sopInstanceUid);
      }
      let failed = 0;
      let fatal: unknown = null;
      for (const batch of [first, later]) {
        let next = 0;
        const lane = async () => {
          while (next < batch.length && fatal === null) {
            const f = batch[next++]!;
            try {
              if (signal?.aborted) throw new DeidError('CANCELLED', 'the upload was cancelled');
              await sendOne(f, out.studyId!, out);
            } catch (e) {
              // Anything but an unavailable API stops every lane of this study.
              if (!(e instanceof DeidError) || e.code !== 'UNAVAILABLE') {
                fatal ??= e;
                return;
              }
              // The API or network stayed down for this file: report it, do not submit the study.
              failed++;
              refuse({
                index: f.index,
                name: f.file.name,
                size: f.file.size,
                code: 'UNAVAILABLE',
                message: `${f.file.name}: ${e.message}`,
              });
              out.refused++;
              settle(f);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, lane));
        if (fatal !== null) throw fatal;
      }
      const held = out.stored + out.duplicates + out.skipped;
      if (failed > 0 || held === 0 || options.submit === false) {
        out.state = 'incomplete';
        emit({ type: 'study', studyInstanceUid: s.studyInstanceUid, studyId: out.studyId!, state: 'incomplete' });
        continue;
      }
      const sub = await api.send('POST', `/v1/studies/${enc(out.studyId!)}/submit`, {
        body: '{}',
        contentType: 'application/json',
        signal,
      });
      if (sub.status !== 202)
        throw new DeidError('API_REFUSED', `submitting the study failed: ${apiErrorOf(sub).message}`, { apiCode: apiErrorOf(sub).code });
      out.state = 'submitted';
      emit({ type: 'study', studyInstanceUid: s.studyInstanceUid, studyId: out.studyId!, state: 'submitted' });
    } catch (e) {
      if (!(e instanceof DeidError)) throw e;
      if (e.code === 'CANCELLED' || e.code === 'UNAUTHENTICATED') {
        stopped = { code: e.code, message: e.message };
        break;
      }
      // This study cannot go on (refused creation, locked, API down): the others still may.
      out.state = 'incomplete';
      const apiCode = typeof e.details['apiCode'] === 'string' ? { apiCode: e.details['apiCode'] } : {};
      for (const f of files) {
        if (settled.has(f.index)) continue;
        refuse({ index: f.index, name: f.file.name, size: f.file.size, code: e.code, ...apiCode, message: `${f.file.name}: ${e.message}` });
        out.refused++;
        settle(f);
      }
    }
  }
  return {
    studies: outcomes,
    refused: refused.sort((a, b) => a.index - b.index),
    removed: [...removed.values()].sort((a, b) => a.tag.localeCompare(b.tag)),
    bytesSent: progress.bytesSent,
    ...(stopped ? { stopped } : {}),
  };
}

function profileOf(o: ProfileOptions): ProfileOptions {
  return {
    retainDates: o.retainDates === true,
    retainPatientCharacteristics: o.retainPatientCharacteristics === true,
    retainDeviceIdentity: o.retainDeviceIdentity === true,
  };
}
