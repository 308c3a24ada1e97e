/**
 * What a worklist row shows beyond the studies table: the model version and the central-PE and
 * RV/LV ≥ 1 decisions of each study's result, read for one page at a time.
 */
import type { SqlDriver } from '../driver';

/** The flags of one result. Null where the result does not say (an older or partial body). */
export interface ResultFlags {
  modelVersion: string | null;
  centralPe: boolean | null;
  rvLvGte1: boolean | null;
}

const flag = (v: unknown): boolean | null => (v === 1 || v === true ? true : v === 0 || v === false ? false : null);

/**
 * The flags of the tenant's results `resultIds`, by result id. SQLite's json_extract (built in on
 * better-sqlite3 and D1) picks the two decisions out of the stored body without parsing it in JS;
 * ids go in chunks that stay under D1's 100 bound parameters.
 */
export async function resultFlags(d: SqlDriver, tenantId: string, resultIds: readonly string[]): Promise<Map<string, ResultFlags>> {
  const out = new Map<string, ResultFlags>();
  const chunk = Math.max(1, Math.min(90, d.maxParameters - 1));
  for (let i = 0; i < resultIds.length; i += chunk) {
    const ids = resultIds.slice(i, i + chunk);
    const rows = await d.select(
      `SELECT id, model_version AS mv,
              json_extract(body, '$.labels.central_pe.decision') AS c,
              json_extract(body, '$.labels.rv_lv_ratio_gte_1.decision') AS r
         FROM results WHERE tenant_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
      [tenantId, ...ids],
    );
    for (const row of rows)
      out.set(String(row['id']), {
        modelVersion: (row['mv'] as string | null) ?? null,
        centralPe: flag(row['c']),
        rvLvGte1: flag(row['r']),
      });
  }
  return out;
}

/**
 * The stage the runner last reported (`progress.stage` of the job: fetch, model, series,
 * preprocess, inference, upload) for each of the tenant's jobs `jobIds`, by job id.
 */
export async function jobStages(d: SqlDriver, tenantId: string, jobIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const chunk = Math.max(1, Math.min(90, d.maxParameters - 1));
  for (let i = 0; i < jobIds.length; i += chunk) {
    const ids = jobIds.slice(i, i + chunk);
    const rows = await d.select(
      `SELECT id, json_extract(progress, '$.stage') AS stage FROM jobs
        WHERE tenant_id = ? AND progress IS NOT NULL AND id IN (${ids.map(() => '?').join(', ')})`,
      [tenantId, ...ids],
    );
    for (const row of rows) if (typeof row['stage'] === 'string') out.set(String(row['id']), row['stage']);
  }
  return out;
}
