/**
 * Cohort points (issue 18): per analysed study, the raw probability and the ground truth of each
 * study label in columns, so cohort monitoring reads 100,000 studies as numbers, without parsing
 * result JSON or joining ground truth. Written by result completion and by ground-truth writes.
 */
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import { sql, type SQL } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import { DbError } from '../errors';

/** Column suffix of each study label (`p_<suffix>` probability, `t_<suffix>` truth). */
const COLUMN: Readonly<Record<StudyLabel, string>> = Object.fromEntries(STUDY_LABELS.map((l) => [l, l])) as Record<StudyLabel, string>;

const isStudyLabel = (l: string): l is StudyLabel => Object.hasOwn(COLUMN, l);

/** The probability and truth columns, in STUDY_LABELS order. */
export const PROBABILITY_COLUMNS = STUDY_LABELS.map((l) => `p_${COLUMN[l]}`);
export const TRUTH_COLUMNS = STUDY_LABELS.map((l) => `t_${COLUMN[l]}`);

/**
 * A tenant's cohort as columns aligned by study: `time[i]` is study i's completion time,
 * `probability[label][i]` its raw probability and `truth[label][i]` its ground truth (NaN: none).
 */
export interface CohortColumns {
  /** Completion times, ascending. */
  readonly time: Float64Array;
  readonly probability: Readonly<Record<StudyLabel, Float64Array>>;
  readonly truth: Readonly<Record<StudyLabel, Float64Array>>;
}

/** One study's point, values in STUDY_LABELS order (NaN: none). */
export interface CohortPoint {
  studyId: string;
  completedAt: number;
  probability: number[];
  truth: number[];
}

/** Statement that writes a study's cohort point from its result (and any ground truth already recorded). */
export function upsertCohortPoint(studyId: string, resultId: string, probabilities: Record<string, number>): SQL {
  const p = STUDY_LABELS.map((l) => {
    const v = probabilities[l];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  });
  const truths = sql.join(
    STUDY_LABELS.map((l) => sql`(SELECT g.value FROM ground_truth g WHERE g.study_id = s.id AND g.label = ${l})`),
    sql`, `,
  );
  const pCols = sql.raw(PROBABILITY_COLUMNS.join(', '));
  const tCols = sql.raw(TRUTH_COLUMNS.join(', '));
  const updates = sql.raw(['completed_at', ...PROBABILITY_COLUMNS].map((c) => `${c} = excluded.${c}`).join(', '));
  return sql`INSERT INTO cohort_points (study_id, tenant_id, completed_at, ${pCols}, ${tCols})
    SELECT s.id, s.tenant_id, s.completed_at, ${sql.join(
      p.map((v) => sql`${v}`),
      sql`, `,
    )}, ${truths}
    FROM studies s WHERE s.id = ${studyId} AND s.result_id = ${resultId} AND s.completed_at IS NOT NULL
    ON CONFLICT (study_id) DO UPDATE SET ${updates}`;
}

/** Statement that copies ground truth onto a study's cohort point (no-op before it has one). */
export function cohortTruthUpdate(tenantId: string, studyId: string, labels: Record<string, number>): SQL | null {
  const sets = Object.entries(labels).filter(([l]) => isStudyLabel(l));
  if (sets.length === 0) return null;
  const assignments = sql.join(
    sets.map(([l, v]) => sql`${sql.raw(`t_${COLUMN[l as StudyLabel]}`)} = ${v}`),
    sql`, `,
  );
  return sql`UPDATE cohort_points SET ${assignments} WHERE study_id = ${studyId} AND tenant_id = ${tenantId}`;
}

/** Cohort reads. */
export class CohortPointRepo {
  constructor(private readonly d: SqlDriver) {}

  /**
   * The tenant's analysed studies completed in [from, to), oldest first, as columns.
   * @throws DbError TOO_LARGE when more than `maxRows` studies match (checked before reading them).
   */
  /** Tenants whose cohorts changed most recently (most writes first): what a cache warms at start. */
  async busiestTenants(limit: number): Promise<string[]> {
    const rows = await this.d.select('SELECT tenant_id FROM cohort_versions ORDER BY version DESC LIMIT ?', [limit]);
    return rows.map((r) => r['tenant_id'] as string);
  }

  /** The tenant's cohort version: changes whenever one of its cohort points is written. */
  async version(tenantId: string): Promise<number> {
    const [row] = await this.d.select('SELECT version FROM cohort_versions WHERE tenant_id = ?', [tenantId]);
    return Number(row?.['version'] ?? 0);
  }

  /**
   * Points written after cohort version `seq` (inserted or changed), oldest write first: what a
   * cached cohort needs to catch up. At most `limit` rows (the caller reloads when that is hit).
   */
  async changedSince(tenantId: string, seq: number, limit: number): Promise<CohortPoint[]> {
    const rows = await this.d.select(
      `SELECT study_id, completed_at, ${PROBABILITY_COLUMNS.join(', ')}, ${TRUTH_COLUMNS.join(', ')} ` +
        'FROM cohort_points WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [tenantId, seq, limit],
    );
    return rows.map((r) => ({
      studyId: r['study_id'] as string,
      completedAt: r['completed_at'] as number,
      probability: PROBABILITY_COLUMNS.map((c) => (typeof r[c] === 'number' ? (r[c] as number) : Number.NaN)),
      truth: TRUTH_COLUMNS.map((c) => (typeof r[c] === 'number' ? (r[c] as number) : Number.NaN)),
    }));
  }

  /** Like {@link columns}, with the study id of each position (what a cache patches by). */
  async columnsWithIds(tenantId: string, maxRows = 500_000): Promise<CohortColumns & { studyIds: string[] }> {
    return this.read(tenantId, {}, maxRows, true) as Promise<CohortColumns & { studyIds: string[] }>;
  }

  async columns(tenantId: string, range: { from?: number; to?: number } = {}, maxRows = 500_000): Promise<CohortColumns> {
    return this.read(tenantId, range, maxRows, false);
  }

  private async read(
    tenantId: string,
    range: { from?: number; to?: number },
    maxRows: number,
    withIds: boolean,
  ): Promise<CohortColumns & { studyIds?: string[] }> {
    const from = range.from ?? Number.MIN_SAFE_INTEGER;
    const to = range.to ?? Number.MAX_SAFE_INTEGER;
    const where = 'tenant_id = ? AND completed_at >= ? AND completed_at < ?';
    const [countRow] = await this.d.select(`SELECT count(*) AS n FROM cohort_points WHERE ${where}`, [tenantId, from, to]);
    const n = Number(countRow?.['n'] ?? 0);
    if (n > maxRows)
      throw new DbError('INVALID_INPUT', `the cohort has more than ${maxRows} studies; narrow the period`, { details: { maxRows } });
    const rows = await this.d.select(
      // Without study ids, in index order: what metrics need, read as few values as possible.
      `SELECT ${withIds ? 'study_id, ' : ''}completed_at, ${PROBABILITY_COLUMNS.join(', ')}, ${TRUTH_COLUMNS.join(', ')} ` +
        `FROM cohort_points WHERE ${where} ORDER BY completed_at LIMIT ?`,
      [tenantId, from, to, maxRows],
    );
    const m = rows.length;
    const time = new Float64Array(m);
    const studyIds: string[] | undefined = withIds ? new Array<string>(m) : undefined;
    const probability = {} as Record<StudyLabel, Float64Array>;
    const truth = {} as Record<StudyLabel, Float64Array>;
    STUDY_LABELS.forEach((l) => {
      probability[l] = new Float64Array(m);
      truth[l] = new Float64Array(m);
    });
    for (let i = 0; i < m; i++) {
      const r = rows[i] as Record<string, unknown>;
      time[i] = r['completed_at'] as number;
      if (studyIds) studyIds[i] = r['study_id'] as string;
      for (let k = 0; k < STUDY_LABELS.length; k++) {
        const l = STUDY_LABELS[k] as StudyLabel;
        const p = r[PROBABILITY_COLUMNS[k] as string];
        const t = r[TRUTH_COLUMNS[k] as string];
        (probability[l] as Float64Array)[i] = typeof p === 'number' ? p : Number.NaN;
        (truth[l] as Float64Array)[i] = typeof t === 'number' ? t : Number.NaN;
      }
    }
    return studyIds ? { time, probability, truth, studyIds } : { time, probability, truth };
  }
}
