'use client';
/**
 * Upload, as a clinician does it: files, folders or zips in; each file parsed and de-identified
 * in a Web Worker on this computer (@embolus/deid); a summary of studies and series, of what is
 * removed (by name, never by value) and of refused files; then upload with progress, cancel, and
 * resume after a reload (the same files chosen again skip what the API already stores).
 */
import type { ControllerEvent, UploadController, UploadPlan, UploadReport } from '@embolus/deid/client';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { Shell } from '@/components/Shell';
import { DropZone } from '@/components/upload/DropZone';
import { RefusedView, RemovedView, StudySummaryView } from '@/components/upload/PlanView';
import { createUploadController, megabytes } from '@/lib/upload';

type Phase = 'idle' | 'scanning' | 'ready' | 'uploading' | 'finished';
interface Progress {
  instancesDone: number;
  instancesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

function Upload() {
  const controller = useRef<UploadController | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [scanned, setScanned] = useState<{ scanned: number; total: number } | null>(null);
  const [plan, setPlan] = useState<UploadPlan | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [report, setReport] = useState<UploadReport | null>(null);
  const [links, setLinks] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const c = createUploadController();
    controller.current = c;
    const off = c.on((e: ControllerEvent) => {
      if (e.type === 'scan') setScanned({ scanned: e.scanned, total: e.total });
      else if (e.type === 'progress') setProgress(e);
      else if (e.type === 'study' && (e.state === 'submitted' || e.state === 'already-submitted'))
        setLinks((m) => new Map(m).set(e.studyInstanceUid, e.studyId));
    });
    return () => {
      off();
      c.cancel();
      c.processor.close();
    };
  }, []);

  async function scan(files: File[]) {
    const c = controller.current;
    if (!c) return;
    setPhase('scanning');
    setPlan(null);
    setReport(null);
    setProgress(null);
    setLinks(new Map());
    setError(null);
    setScanned({ scanned: 0, total: files.length });
    try {
      setPlan(await c.scan(files));
      setPhase('ready');
    } catch (e) {
      setError(`Reading the files stopped: ${(e as Error).message}`);
      setPhase('idle');
    }
  }

  async function upload() {
    const c = controller.current;
    if (!c || !plan) return;
    setPhase('uploading');
    setError(null);
    try {
      const r = await c.upload(plan);
      setReport(r);
      if (r.stopped)
        setError(
          r.stopped.code === 'CANCELLED'
            ? 'Upload cancelled. Press Resume upload to continue: images already stored are skipped.'
            : `Upload stopped: ${r.stopped.message}. Sign in again, then choose the same files to resume.`,
        );
    } catch (e) {
      setError(`Upload failed: ${(e as Error).message}`);
    }
    setPhase('finished');
  }

  const refused = report?.refused ?? plan?.refused ?? [];
  // What the scan read from every accepted file's header: the same list before, during and after upload.
  const removed = plan?.removed ?? [];
  const submitted = report?.studies.filter((s) => s.state === 'submitted' || s.state === 'already-submitted').length ?? 0;
  const skipped = report?.studies.reduce((n, s) => n + s.skipped, 0) ?? 0;
  const pct = progress && progress.bytesTotal > 0 ? Math.round((progress.bytesDone / progress.bytesTotal) * 100) : 0;
  const busy = phase === 'scanning' || phase === 'uploading';

  return (
    <>
      <div className="page__head">
        <div>
          <h1 className="page__title">Upload</h1>
          <p className="muted small">
            CT pulmonary angiograms in DICOM. De-identified on this computer by the DICOM PS3.15 Basic Confidentiality Profile before
            anything is sent.
          </p>
        </div>
      </div>

      <div className="upload-layout">
        <div className="upload-main">
          <DropZone disabled={busy} onFiles={(f) => void scan(f)} />

          {phase === 'scanning' && scanned && (
            <p role="status" className="card">
              Reading files on this computer: {scanned.scanned} of {scanned.total}
            </p>
          )}
          {error && (
            <p className={`alert ${report?.stopped?.code === 'CANCELLED' ? 'alert--info' : 'alert--error'}`} role="alert">
              {error}
            </p>
          )}

          {plan && (
            <section aria-labelledby="summary-h" className="upload-section">
              <h2 id="summary-h">
                {plan.studies.length === 1 ? '1 study' : `${plan.studies.length} studies`} ·{' '}
                {plan.studies.reduce((n, s) => n + s.instances, 0)} images · {megabytes(plan.studies.reduce((n, s) => n + s.bytes, 0))}
                {refused.length > 0 && ` · ${refused.length} refused`}
              </h2>
              <StudySummaryView plan={plan} links={links} />
            </section>
          )}

          {plan && (
            <section className="card upload-actions" aria-labelledby="send-h">
              <h2 id="send-h">Send</h2>
              {progress && (
                <div className="upload-progress">
                  <progress id="upload-progress" max={100} value={pct} aria-label="Upload progress" aria-valuetext={`${pct} %`} />
                  <p role="status" className="small">
                    {progress.instancesDone} of {progress.instancesTotal} images · {megabytes(progress.bytesDone)} of{' '}
                    {megabytes(progress.bytesTotal)}
                    {phase === 'finished' &&
                      report &&
                      !report.stopped &&
                      ` · ${submitted === 1 ? '1 study' : `${submitted} studies`} submitted for analysis`}
                    {skipped > 0 && ` · ${skipped} already on the server, skipped`}
                  </p>
                </div>
              )}
              <div className="upload-actions__buttons">
                <button
                  type="button"
                  className="button button--primary"
                  disabled={
                    busy || plan.studies.length === 0 || (phase === 'finished' && !report?.stopped && submitted === plan.studies.length)
                  }
                  onClick={() => void upload()}
                >
                  {report?.stopped ? 'Resume upload' : 'Upload'}
                </button>
                <button type="button" className="button button--secondary" disabled={!busy} onClick={() => controller.current?.cancel()}>
                  Cancel
                </button>
                {submitted > 0 && (
                  <Link href="/" className="button button--ghost">
                    Go to the worklist
                  </Link>
                )}
              </div>
            </section>
          )}

          {plan && (
            <section className="card upload-section" aria-labelledby="removed-h">
              <h2 id="removed-h">Removed before upload</h2>
              <p className="muted small">
                Attributes by name and tag, never their values. Private tags, overlays and curves are removed too. UIDs are kept so that
                results match the study in your PACS.
              </p>
              <RemovedView removed={removed} />
            </section>
          )}

          {plan && (
            <section className="card upload-section" aria-labelledby="refused-h">
              <h2 id="refused-h">Refused files</h2>
              <RefusedView refused={refused} />
            </section>
          )}
        </div>

        <aside className="card upload-aside" aria-labelledby="how-h">
          <h2 id="how-h">How upload works</h2>
          <ol className="small">
            <li>
              Drop files, folders or zip archives, or choose them. Each file is read in the browser; nothing leaves this computer yet.
            </li>
            <li>
              Patient names, IDs, dates, descriptions, private tags and the other attributes of the profile are removed from every file.
            </li>
            <li>Files with burned-in annotation, non-CT images and files that are not DICOM are refused, each with its reason.</li>
            <li>
              Upload sends only the de-identified files, a few at a time, and submits each study for analysis once its series is complete.
            </li>
          </ol>
          <h3 className="small">Interrupted?</h3>
          <p className="small">
            If the upload is cancelled, the connection drops or this page is reloaded, choose the same files again and press Upload. This
            browser tab remembers which study each upload went to, and the files the server already holds are skipped.
          </p>
        </aside>
      </div>
    </>
  );
}

export default function UploadPage() {
  return (
    <Shell>
      <Upload />
    </Shell>
  );
}
