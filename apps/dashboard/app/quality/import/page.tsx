'use client';
/**
 * Ground truth from a CSV file: the API validates every row first (a dry run) and the page lists
 * each bad row with its line, column and reason. A file with errors writes nothing unless the
 * user asks to apply its valid rows anyway. Every written label keeps its provenance (who, when,
 * source, "CSV import").
 */
import { useState } from 'react';
import { CsvButton, DataTable } from '@/components/common/DataTable';
import { ErrorNotice } from '@/components/common/Notice';
import { Options } from '@/components/common/Options';
import { QualityFrame } from '@/components/quality/QualityFrame';
import { useSession } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';
import type { Column } from '@/lib/csv';
import { LABEL_IMPORT_MAX_BYTES, labelImportPath, type ImportReport, type ImportRowError } from '@/lib/labelImport';
import { LABEL_ORDER } from '@/lib/labels';
import { GROUND_TRUTH_SOURCES, type GroundTruthSource } from '@/lib/quality';

const ERROR_COLUMNS: Column<ImportRowError>[] = [
  { key: 'line', header: 'Line', numeric: true, value: (e) => e.line },
  { key: 'column', header: 'Column', value: (e) => e.column ?? '' },
  { key: 'code', header: 'Code', value: (e) => e.code },
  { key: 'message', header: 'Problem', value: (e) => e.message },
];

function Import() {
  const session = useSession();
  const canWrite = session?.user.role === 'quality';
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [source, setSource] = useState<GroundTruthSource>('radiologist');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [applyValid, setApplyValid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function choose(f: File | undefined) {
    setReport(null);
    setDone(null);
    setError(null);
    setApplyValid(false);
    if (!f) return setFile(null);
    // Bounded before reading: the file is never loaded when it is too large.
    if (f.size > LABEL_IMPORT_MAX_BYTES) {
      setFile(null);
      return setError(
        `The file is ${(f.size / 1048576).toFixed(1)} MB; the limit is ${LABEL_IMPORT_MAX_BYTES / 1048576} MB. ` +
          'Split it into smaller files.',
      );
    }
    setFile({ name: f.name, text: await f.text() });
  }

  async function send(dryRun: boolean) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api<ImportReport>(labelImportPath({ dryRun, partial: applyValid, source }), {
        method: 'POST',
        text: { body: file.text, contentType: 'text/csv' },
      });
      setReport(r);
      if (!dryRun) {
        const skipped = r.invalid ? `; ${r.invalid} row${r.invalid === 1 ? '' : 's'} with errors skipped` : '';
        setDone(
          r.applied
            ? `Applied ${r.labels} label value${r.labels === 1 ? '' : 's'} ` +
                `from ${r.valid} row${r.valid === 1 ? '' : 's'} of ${file.name}${skipped}.`
            : 'Nothing was applied.',
        );
      }
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The file could not be sent.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <section className="card" aria-labelledby="file-h">
        <h2 id="file-h">The file</h2>
        <p className="small">
          One row per study: a <code>studyId</code> (or <code>studyInstanceUid</code>) column, then any of the label columns{' '}
          <code>{LABEL_ORDER.join(', ')}</code> with 1 (present), 0 (absent) or empty (not known); an optional <code>source</code> column
          overrides the source chosen here. Header names as written here; at most {LABEL_IMPORT_MAX_BYTES / 1048576} MB.
        </p>
        {!canWrite && <p className="alert alert--info">Only the quality role can import ground truth; you can check a file.</p>}
        <div className="form-grid">
          <div className="field">
            <label htmlFor="csv-file">CSV file</label>
            <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(e) => void choose(e.target.files?.[0])} />
          </div>
          <div className="field">
            <label htmlFor="csv-source">Source of these labels</label>
            <select id="csv-source" value={source} onChange={(e) => setSource(e.target.value as GroundTruthSource)}>
              <Options values={GROUND_TRUTH_SOURCES} />
            </select>
          </div>
          <div>
            <button type="button" className="button button--primary" disabled={!file || busy} onClick={() => void send(true)}>
              {busy && !report ? 'Checking…' : 'Check the file'}
            </button>
          </div>
        </div>
        <ErrorNotice>{error}</ErrorNotice>
      </section>
      {report && (
        <section className="card" aria-labelledby="report-h" data-panel="import-report">
          <div className="qfig__head">
            <h2 id="report-h">Check of {file?.name}</h2>
            {report.errors.length > 0 && (
              <CsvButton file="label-import-errors.csv" rows={report.errors} columns={ERROR_COLUMNS}>
                Download the error report (CSV)
              </CsvButton>
            )}
          </div>
          <p role="status">
            {report.rows} row{report.rows === 1 ? '' : 's'}: <strong>{report.valid} valid</strong> ({report.labels} label values),{' '}
            <strong>{report.invalid} with errors</strong>.{report.errorsTruncated && ' Only the first errors are listed.'}
          </p>
          {report.errors.length > 0 && (
            <DataTable
              rows={report.errors}
              columns={ERROR_COLUMNS}
              caption="Rows with errors"
              name="import-errors"
              rowProps={() => ({ className: 'row-error' })}
              cellClass={(c, heading) => (heading ? 'num' : c.key === 'message' ? undefined : 'mono')}
            />
          )}
          {done ? (
            <p className="alert alert--info" role="status">
              {done}
            </p>
          ) : (
            canWrite &&
            report.valid > 0 && (
              <div className="form-actions">
                {report.invalid > 0 && (
                  <label className="small check">
                    <input type="checkbox" checked={applyValid} onChange={(e) => setApplyValid(e.target.checked)} /> Apply the{' '}
                    {report.valid} valid row{report.valid === 1 ? '' : 's'} anyway (the {report.invalid} with errors
                    {report.invalid === 1 ? ' is' : ' are'} skipped)
                  </label>
                )}
                <button
                  type="button"
                  className="button button--primary"
                  disabled={busy || (report.invalid > 0 && !applyValid)}
                  onClick={() => void send(false)}
                >
                  {`Apply ${report.valid}${report.invalid > 0 ? ' valid' : ''} row${report.valid === 1 ? '' : 's'}`}
                </button>
                {report.invalid > 0 && !applyValid && (
                  <span className="muted small">A file with errors applies nothing unless you ask.</span>
                )}
              </div>
            )
          )}
        </section>
      )}
    </div>
  );
}

export default function ImportPage() {
  return (
    <QualityFrame title="Import ground truth">
      <Import />
    </QualityFrame>
  );
}
