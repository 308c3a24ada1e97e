'use client';
/**
 * One study's results: every label against its threshold, consistency repairs and warnings, the
 * window PE probability along z, the attention heatmap, the model. `/study?id=<study id>`.
 */
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState } from 'react';
import { decisionsOf } from '@embolus/shared/decisions';
import { ErrorNotice } from '@/components/common/Notice';
import { ExamDecision, NonDiagnosticBanner, QualityChecks } from '@/components/DecisionViews';
import { AttentionHeatmap, LabelBars, WindowStrip } from '@/components/ResultViews';
import { GroundTruthPanel } from '@/components/quality/GroundTruthPanel';
import { handleAuthError, Shell, useSession } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';
import { percent, shortId, STATUS_NAMES } from '@/lib/format';
import { LABEL_NAMES } from '@/lib/labels';
import { canSeeQuality } from '@/lib/quality';
import type { StudyDetail } from '@/lib/types';

const POLL_MS = 3000;

function Study() {
  const id = useSearchParams().get('id') ?? '';
  const session = useSession();
  const [study, setStudy] = useState<StudyDetail | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!id) {
      setMissing(true);
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = true;
    const load = async () => {
      try {
        const s = await api<StudyDetail>(`/v1/studies/${encodeURIComponent(id)}`, { background: !first });
        first = false;
        if (!live) return;
        setStudy(s);
        setError(null);
        // Until the study is done or failed, poll for its status and result.
        if (s.status !== 'complete' && s.status !== 'failed') timer = setTimeout(load, POLL_MS);
      } catch (e) {
        if (!live || handleAuthError(e)) return;
        if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setMissing(true);
        else {
          setError(e instanceof ApiError ? e.message : 'The study could not be loaded.');
          timer = setTimeout(load, POLL_MS);
        }
      }
    };
    void load();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [id]);

  if (missing) {
    return (
      <section aria-labelledby="nf">
        <h1 id="nf" className="page__title">
          Study not found
        </h1>
        <p>There is no study with this ID in your organisation.</p>
        <p>
          <Link href="/">Back to the worklist</Link>
        </p>
      </section>
    );
  }
  if (!study) return <p role="status">{error ?? 'Loading…'}</p>;
  const r = study.result;
  const decisions = r ? decisionsOf(r) : null;
  const withheld = decisions?.exam === 'withheld' || Boolean(study.nonDiagnostic);
  const nonDiagnostic = study.nonDiagnostic ?? (withheld ? decisions?.reason : undefined);
  const peProbability = r && !withheld ? 1 - (r.labels.negative_exam_for_pe?.probability ?? 1) : null;
  const urgent = Boolean(!withheld && decisions?.labels.central_pe && decisions.labels.rv_lv_ratio_gte_1);
  return (
    <>
      <p className="crumbs">
        <Link href="/">Worklist</Link> <span aria-hidden="true">/</span> Study <span className="mono">{shortId(study.id)}</span>
      </p>
      <div className="page__head">
        <div>
          <h1 className="page__title">
            Study <span className="mono">{shortId(study.id)}</span>
          </h1>
          <p className="muted small mono">{r?.studyInstanceUid ?? study.id}</p>
          <p>
            <Link className="button button--primary" href={`/viewer?id=${encodeURIComponent(study.id)}`}>
              Open the images
            </Link>{' '}
            <span className="muted small">with the Grad-CAM overlay and key images</span>
          </p>
        </div>
        <div className="summary">
          {withheld ? (
            <span className="status status--nondiag">Non-diagnostic</span>
          ) : (
            <span className={`status status--${study.status}`}>{STATUS_NAMES[study.status]}</span>
          )}
          {urgent && <span className="badge badge--urgent">Urgent: central PE with RV/LV ≥ 1</span>}
          {r && !withheld && (
            <span className="summary__prob">
              PE probability <strong>{percent(peProbability)}</strong>
            </span>
          )}
        </div>
      </div>
      {/* A failed quality gate comes first, before any label; otherwise the exam decision and why. */}
      {nonDiagnostic && <NonDiagnosticBanner reason={nonDiagnostic} checks={r?.quality?.checks ?? []} />}
      {decisions && !withheld && <ExamDecision decisions={decisions} />}
      {/* The printable report (issue 17): a PDF download, and the same report as a page to print (served by the API),
          after the non-diagnostic banner or exam decision. */}
      {r && (
        <p className="report-links">
          <a className="button button--secondary" href={`/v1/studies/${encodeURIComponent(study.id)}/report.pdf`} download>
            Report (PDF)
          </a>{' '}
          <a
            className="button button--ghost"
            href={`/v1/studies/${encodeURIComponent(study.id)}/report.html`}
            target="_blank"
            rel="noopener"
          >
            Printable report
          </a>
        </p>
      )}
      <ErrorNotice>{error}</ErrorNotice>
      {study.failure && (
        <p className="alert alert--error" role="alert">
          Analysis failed ({study.failure.code}): {study.failure.message}
        </p>
      )}
      {!r && !study.failure && (
        <p className="card muted" role="status">
          No result yet: the study is {STATUS_NAMES[study.status].toLowerCase()}. This page updates by itself.
        </p>
      )}
      {r && decisions && (
        <div className="result-grid">
          <section className="card" aria-labelledby="labels-h">
            <h2 id="labels-h">Study labels</h2>
            <p className="muted small">
              Bar: probability; tick: the decision threshold.{' '}
              {withheld
                ? 'Decisions are withheld: the study is non-diagnostic.'
                : 'Decisions follow the RSNA label rules; a rule that overrides a threshold says why.'}
            </p>
            <LabelBars result={r} decisions={withheld && decisions.exam !== 'withheld' ? { ...decisions, exam: 'withheld' } : decisions} />
          </section>

          <section className="card viewer-slot" aria-labelledby="viewer-h">
            <h2 id="viewer-h">Images</h2>
            <p className="muted">
              Scroll the CT stack with the Grad-CAM overlay on each slice, the window PE probability and attention beside it, and the key
              images.
            </p>
            <p>
              <Link href={`/viewer?id=${encodeURIComponent(study.id)}`}>Open the viewer</Link>
            </p>
          </section>

          <section className="card card--wide" aria-labelledby="strip-h">
            <h2 id="strip-h">PE probability along z</h2>
            <WindowStrip windows={r.windows} />
            <div className="legend" aria-hidden="true">
              <span>0 %</span>
              <span className="legend__ramp" />
              <span>100 %</span>
            </div>
          </section>

          <section className="card card--wide" aria-labelledby="attn-h">
            <h2 id="attn-h">Attention</h2>
            <AttentionHeatmap attention={r.attention} windowCount={r.windows.length} />
          </section>

          {!withheld && r.quality && (
            <section className="card card--wide" aria-labelledby="quality-h">
              <h2 id="quality-h">Study quality</h2>
              <p className="muted small">Every check passed: the study is within what the model was made for.</p>
              <QualityChecks checks={r.quality.checks} />
            </section>
          )}

          <section className="card" aria-labelledby="cons-h">
            <h2 id="cons-h">Consistency and warnings</h2>
            {r.consistency.repaired ? (
              <>
                <p>The model’s labels broke RSNA consistency rules and were repaired:</p>
                <ul>
                  {r.consistency.violations.map((v, i) => (
                    <li key={i}>{v.message}</li>
                  ))}
                </ul>
                {r.consistency.changed.length > 0 && (
                  <p className="small">
                    Changed:{' '}
                    {r.consistency.changed
                      .map((l) => {
                        const model = percent(r.labels[l]?.rawProbability, 1);
                        return `${LABEL_NAMES[l]} (model ${model} → ${percent(r.labels[l]?.probability, 1)})`;
                      })
                      .join('; ')}
                  </p>
                )}
              </>
            ) : (
              <p>No consistency repairs were needed.</p>
            )}
            {r.warnings.length > 0 ? (
              <ul className="warnings">
                {r.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            ) : (
              <p className="muted">No warnings.</p>
            )}
          </section>

          <section className="card" aria-labelledby="model-h">
            <h2 id="model-h">Model</h2>
            <dl className="facts">
              <dt>Version</dt>
              <dd className="mono">{r.model.version}</dd>
              <dt>SHA-256</dt>
              <dd className="mono break">{r.model.sha256}</dd>
              <dt>Trained on</dt>
              <dd>{r.model.trainedOn}</dd>
              <dt>Thresholds</dt>
              <dd>{r.thresholdSet ? `Site threshold set, version ${r.thresholdSet.version}` : 'The model’s own'}</dd>
              <dt>Series</dt>
              <dd>{study.series.map((s) => `${s.modality ?? '?'} · ${s.instanceCount} images`).join('; ') || '—'}</dd>
            </dl>
          </section>
          {canSeeQuality(session?.user.role) && <GroundTruthPanel studyId={study.id} />}
        </div>
      )}
    </>
  );
}

export default function StudyPage() {
  return (
    <Shell>
      <Suspense fallback={<p role="status">Loading…</p>}>
        <Study />
      </Suspense>
    </Shell>
  );
}
