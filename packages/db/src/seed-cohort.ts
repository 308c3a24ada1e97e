/**
 * A labelled cohort for tests and benchmarks (issue 18), written straight through the driver in
 * multi-row statements: N analysed studies over M months with ground truth per label and
 * probabilities of a chosen AUROC, optionally with a drift (a lower AUROC for one label) in the
 * last K months. Deterministic for a seed (ids: for a tenant and a seed). Never imported by product code.
 *
 * Model: per label, truth ~ Bernoulli(prevalence); a score s ~ N(d·y, 1) with d = √2·Φ⁻¹(AUROC)
 * (binormal, equal variance, so the AUROC is as chosen); the probability is the exact posterior
 * logit(p) = logit(prevalence) + d·s − d²/2, i.e. perfectly calibrated, so CBPE's estimate
 * tracks the realized AUROC, drift included.
 */
import { decide, DEFAULT_THRESHOLDS, STUDY_LABELS, type Label, type StudyLabel } from '@embolus/shared';
import type { SqlDriver } from './driver';
import { PROBABILITY_COLUMNS, TRUTH_COLUMNS } from './repos/cohort-points';

/** Options of {@link seedCohort}. */
export interface CohortSeed {
  tenantId: string;
  studies: number;
  months: number;
  /** The newest completion time (epoch ms); studies spread uniformly over the `months` before. */
  end: number;
  seed: number;
  /** Share of studies with ground truth (all labels), default 0.9. */
  labelledFraction?: number;
  /** AUROC of every label before any drift, default 0.9. */
  auroc?: number;
  /** Prevalence per label (defaults below). */
  prevalence?: Partial<Record<StudyLabel, number>>;
  /** A label whose AUROC becomes `auroc` in the last `months` months. */
  drift?: { label: StudyLabel; auroc: number; months: number };
  modelVersion?: string;
  /** Who ground truth is recorded by, default `seed`. */
  recordedBy?: string;
}

/** Prevalences near those of RSNA-STR PE (negative exams most common, indeterminate rare). */
export const SEED_PREVALENCE: Readonly<Record<StudyLabel, number>> = {
  negative_exam_for_pe: 0.65,
  indeterminate: 0.03,
  chronic_pe: 0.06,
  acute_and_chronic_pe: 0.04,
  central_pe: 0.1,
  leftsided_pe: 0.22,
  rightsided_pe: 0.27,
  rv_lv_ratio_gte_1: 0.13,
  rv_lv_ratio_lt_1: 0.21,
};

const MONTH = 30.4375 * 86_400_000;
const ATTENTION = JSON.stringify(Object.fromEntries(STUDY_LABELS.map((l) => [l, []])));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inverse normal CDF (Acklam's rational approximation, |error| < 1.2e-9): enough for a seeder. */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  if (q < 0.02425 || q > 0.97575) {
    const r = Math.sqrt(-2 * Math.log(q < 0.5 ? q : 1 - q));
    const x =
      (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
      ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
    return q < 0.5 ? x : -x;
  }
  const s = q - 0.5;
  const r = s * s;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * s) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Rows per multi-row INSERT, under the driver's bound-parameter limit. */
const rowsPer = (d: SqlDriver, columns: number) => Math.max(1, Math.min(500, Math.floor((d.maxParameters - 1) / columns)));

async function insertRows(d: SqlDriver, table: string, columns: string[], rows: (string | number | null)[][]): Promise<void> {
  const per = rowsPer(d, columns.length);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    await d.execute(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}

/**
 * Writes the cohort and returns the study ids (oldest first). Each study gets a job, a valid
 * AnalysisResult (decided by `decide` at the default thresholds, no windows), its cohort point
 * and, for labelled studies, ground truth on every label.
 */
export async function seedCohort(d: SqlDriver, o: CohortSeed): Promise<{ studyIds: string[] }> {
  // On better-sqlite3, one transaction (a commit per statement would sync the WAL thousands of
  // times); nothing else may write through this connection meanwhile. D1 commits per statement.
  if (d.name !== 'better-sqlite3') return write(d, o);
  await d.execute('BEGIN', []);
  try {
    const out = await write(d, o);
    await d.execute('COMMIT', []);
    // A bulk load leaves the WAL as large as the data; fold it into the database file so the
    // first reads are not slowed by it (as a database written over months would not be).
    await d.select('PRAGMA wal_checkpoint(TRUNCATE)', []);
    return out;
  } catch (e) {
    await d.execute('ROLLBACK', []);
    throw e;
  }
}

async function write(d: SqlDriver, o: CohortSeed): Promise<{ studyIds: string[] }> {
  const rand = mulberry32(o.seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const version = o.modelVersion ?? 'seed-model';
  const prevalence = { ...SEED_PREVALENCE, ...o.prevalence };
  const start = o.end - o.months * MONTH;
  const driftFrom = o.drift ? o.end - o.drift.months * MONTH : Infinity;
  const sep = (auc: number) => Math.SQRT2 * probit(auc);
  const base = sep(o.auroc ?? 0.9);
  const drifted = o.drift ? sep(o.drift.auroc) : base;
  const labelledFraction = o.labelledFraction ?? 0.9;
  // Ids from the tenant and the seed (FNV-1a), so seeding several tenants in one database never collides.
  let fnv = 0x811c9dc5;
  for (const ch of `${o.tenantId}:${o.seed}`) fnv = Math.imul(fnv ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  const hex = fnv.toString(16).padStart(8, '0');
  const times = Array.from({ length: o.studies }, () => Math.floor(start + rand() * (o.end - start))).sort((a, b) => a - b);

  const studyRows: (string | number | null)[][] = [];
  const jobRows: (string | number | null)[][] = [];
  const resultRows: (string | number | null)[][] = [];
  const pointRows: (string | number | null)[][] = [];
  const truthRows: (string | number | null)[][] = [];
  const studyIds: string[] = [];
  const flush = async () => {
    await insertRows(
      d,
      'studies',
      [
        'id',
        'tenant_id',
        'status',
        'study_instance_uid',
        'instance_count',
        'descriptors',
        'analysis_job_id',
        'result_id',
        'urgency',
        'sort_probability',
        'decision',
        'created_at',
        'updated_at',
        'submitted_at',
        'completed_at',
      ],
      studyRows,
    );
    await insertRows(
      d,
      'jobs',
      [
        'id',
        'tenant_id',
        'study_id',
        'kind',
        'status',
        'payload',
        'attempts',
        'max_attempts',
        'available_at',
        'created_at',
        'updated_at',
        'completed_at',
      ],
      jobRows,
    );
    await insertRows(
      d,
      'results',
      ['id', 'tenant_id', 'job_id', 'study_id', 'kind', 'model_version', 'probabilities', 'pe_probability', 'body', 'created_at'],
      resultRows,
    );
    await insertRows(d, 'cohort_points', ['study_id', 'tenant_id', 'completed_at', ...PROBABILITY_COLUMNS, ...TRUTH_COLUMNS], pointRows);
    await insertRows(
      d,
      'ground_truth',
      ['id', 'tenant_id', 'study_id', 'label', 'value', 'source', 'recorded_by', 'recorded_at', 'entered_via'],
      truthRows,
    );
    for (const r of [studyRows, jobRows, resultRows, pointRows, truthRows]) r.length = 0;
  };
  const thresholds = { ...DEFAULT_THRESHOLDS } as Record<Label, number>;
  for (let i = 0; i < o.studies; i++) {
    const t = times[i] as number;
    const n = i.toString(16).padStart(12, '0');
    const studyId = `5eed${hex}-0000-4000-8000-${n}`;
    const jobId = `5eed${hex}-0001-4000-8000-${n}`;
    const resultId = `5eed${hex}-0002-4000-8000-${n}`;
    studyIds.push(studyId);
    const labelled = rand() < labelledFraction;
    const probs = {} as Record<StudyLabel, number>;
    const truth = {} as Record<StudyLabel, 0 | 1>;
    for (const l of STUDY_LABELS) {
      const pi = prevalence[l];
      const y = rand() < pi ? 1 : 0;
      const dd = o.drift && o.drift.label === l && t >= driftFrom ? drifted : base;
      const s = dd * y + gauss();
      const logit = Math.log(pi / (1 - pi)) + dd * s - (dd * dd) / 2;
      probs[l] = Math.round((1 / (1 + Math.exp(-logit))) * 1e6) / 1e6;
      truth[l] = y;
    }
    // One window at the exam's PE probability, so PE-positive exams exist (decided by `decide`).
    const window = Math.round((1 - probs.negative_exam_for_pe) * 1e6) / 1e6;
    const decided = decide({ study: probs, windows: [window], thresholds });
    // Built as text (the same JSON JSON.stringify would give): 100,000 bodies are a large share of the seeding time.
    let labelsJson = '';
    for (const l of STUDY_LABELS)
      labelsJson +=
        `${labelsJson ? ',' : ''}"${l}":{"probability":${probs[l]},"rawProbability":${probs[l]},` +
        `"threshold":${thresholds[l]},"decision":${decided.labels[l]}}`;
    const exam = JSON.stringify({
      decision: decided.exam,
      reason: decided.examReason,
      windowThreshold: thresholds.pe_present_on_image,
      overrides: decided.overrides,
    });
    const body =
      `{"schemaVersion":1,"labels":{${labelsJson}},` +
      `"windows":[{"index":0,"probability":${window},"rawProbability":${window},"decision":${decided.windows[0] ?? false},"slices":[]}],` +
      `"attention":${ATTENTION},"exam":${exam},"consistency":{"violations":[],"repaired":false,"changed":[]},` +
      `"model":{"version":${JSON.stringify(version)},"sha256":"${'0'.repeat(64)}","trainedOn":"seeded cohort","notForClinicalUse":true},` +
      '"timings":{},"warnings":["seeded cohort: synthetic probabilities, no images"]}';
    const pe = 1 - probs.negative_exam_for_pe;
    const urgency = decided.labels.central_pe && decided.labels.rv_lv_ratio_gte_1 ? 0 : 1;
    const uid = `2.25.${o.seed >>> 0}${i.toString().padStart(9, '0')}`;
    studyRows.push([
      studyId,
      o.tenantId,
      'complete',
      uid,
      0,
      '{"manufacturer":"SEED","sliceThickness":1}',
      jobId,
      resultId,
      urgency,
      pe,
      decided.exam,
      t,
      t,
      t,
      t,
    ]);
    jobRows.push([jobId, o.tenantId, studyId, 'analysis', 'done', '{}', 1, 3, t, t, t, t]);
    resultRows.push([resultId, o.tenantId, jobId, studyId, 'analysis', version, JSON.stringify(probs), pe, body, t]);
    pointRows.push([
      studyId,
      o.tenantId,
      t,
      ...STUDY_LABELS.map((l) => probs[l]),
      ...STUDY_LABELS.map((l) => (labelled ? truth[l] : null)),
    ]);
    if (labelled)
      STUDY_LABELS.forEach((l, k) =>
        truthRows.push([
          `${studyId.slice(0, 13)}${(3 + k).toString(16).padStart(4, '0')}${studyId.slice(17)}`,
          o.tenantId,
          studyId,
          l,
          truth[l],
          'radiologist',
          o.recordedBy ?? 'seed',
          t,
          'api',
        ]),
      );
    if (studyRows.length >= 5000) await flush();
  }
  await flush();
  await d.execute(
    'INSERT INTO models (id, tenant_id, version, sha256, trained_on, status, created_at) ' +
      "VALUES (?, ?, ?, ?, 'seeded cohort', 'registered', ?) ON CONFLICT (tenant_id, version) DO NOTHING",
    [`5eed${hex}-0003-4000-8000-000000000000`, o.tenantId, version, '0'.repeat(64), start],
  );
  return { studyIds };
}
