/**
 * DICOMweb search (QIDO-RS) and retrieve lookups over `dicom_instance_attributes`, always scoped
 * by tenant: another tenant's UIDs match nothing. A tenant may hold the same SOP Instance UID in
 * more than one Embolus study (an upload repeated after an analysis); DICOMweb has one object
 * per UID, so the earliest stored copy is the one searched and served.
 */
import { sql, type SQL } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import type { DicomSearchAttributes } from './studies';

/** A matching value: exact, a list of UIDs, a wildcard pattern (`*`, `?`) or a date range. */
export interface DicomSearchFilter {
  studyInstanceUid?: string[];
  seriesInstanceUid?: string[];
  sopInstanceUid?: string[];
  sopClassUid?: string[];
  /** One value (wildcards allowed) or a list (ModalitiesInStudy=CT\\MR: any of them). */
  modality?: string | string[];
  /** Inclusive YYYYMMDD bounds; either may be absent (open range). */
  studyDate?: { from?: string; to?: string };
  accessionNumber?: string;
  studyDescription?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
}

/** One page. */
export interface DicomPage {
  limit: number;
  offset: number;
}

/** A study as QIDO-RS answers it. */
export interface DicomStudyRow {
  studyInstanceUid: string;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
  modalities: string[];
  seriesCount: number;
  instanceCount: number;
}

/** A series as QIDO-RS answers it. */
export interface DicomSeriesRow {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceCount: number;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
}

/** An instance as QIDO-RS answers it and as WADO-RS finds its bytes. */
export interface DicomInstanceRow {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string | null;
  modality: string | null;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  numberOfFrames: number | null;
  transferSyntaxUid: string | null;
  blobKey: string;
  size: number;
  studyId: string;
}

/** DICOM wildcard matching (PS3.4 C.2.2.2.4) as a case-sensitive SQLite GLOB; `[` is literal. */
function glob(pattern: string): string {
  return pattern.replace(/\[/g, '[[]');
}

function where(tenantId: string, f: DicomSearchFilter): SQL {
  const parts: SQL[] = [sql`a.tenant_id = ${tenantId}`];
  const uids = (col: SQL, list?: string[]) => {
    if (list?.length)
      parts.push(
        sql`${col} IN (${sql.join(
          list.map((u) => sql`${u}`),
          sql`, `,
        )})`,
      );
  };
  uids(sql`a.study_instance_uid`, f.studyInstanceUid);
  uids(sql`a.series_instance_uid`, f.seriesInstanceUid);
  uids(sql`a.sop_instance_uid`, f.sopInstanceUid);
  uids(sql`a.sop_class_uid`, f.sopClassUid);
  const text = (col: SQL, v?: string) => {
    if (v === undefined) return;
    parts.push(/[*?]/.test(v) ? sql`${col} GLOB ${glob(v)}` : sql`${col} = ${v}`);
  };
  if (Array.isArray(f.modality)) uids(sql`a.modality`, f.modality);
  else text(sql`a.modality`, f.modality);
  text(sql`a.accession_number`, f.accessionNumber);
  text(sql`a.study_description`, f.studyDescription);
  text(sql`a.series_description`, f.seriesDescription);
  if (f.studyDate?.from) parts.push(sql`a.study_date >= ${f.studyDate.from}`);
  if (f.studyDate?.to) parts.push(sql`a.study_date <= ${f.studyDate.to}`);
  if (f.seriesNumber !== undefined) parts.push(sql`a.series_number = ${f.seriesNumber}`);
  if (f.instanceNumber !== undefined) parts.push(sql`a.instance_number = ${f.instanceNumber}`);
  return sql.join(parts, sql` AND `);
}

/**
 * The first stored copy of each matching SOP Instance UID. A NOT EXISTS probe on the
 * (tenant, SOP UID) index rather than a GROUP BY, which would make SQLite walk that index over
 * the whole tenant instead of the study or series index.
 */
function firstCopies(tenantId: string, f: DicomSearchFilter): SQL {
  return sql`SELECT a.* FROM dicom_instance_attributes a WHERE ${where(tenantId, f)} AND NOT EXISTS (
    SELECT 1 FROM dicom_instance_attributes b WHERE b.tenant_id = a.tenant_id AND b.sop_instance_uid = a.sop_instance_uid
      AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.instance_id < a.instance_id)))`;
}

type Raw = Record<string, string | number | null>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** DICOMweb lookups. */
export class DicomwebRepo {
  constructor(private readonly d: SqlDriver) {}

  /** Studies with at least one matching instance, by Study Instance UID. */
  async studies(tenantId: string, f: DicomSearchFilter, page: DicomPage): Promise<DicomStudyRow[]> {
    const rows = await this.d.db.all<Raw>(sql`
      SELECT study_instance_uid, min(study_date) AS study_date, min(study_time) AS study_time, min(accession_number) AS accession_number,
        min(study_description) AS study_description, group_concat(DISTINCT modality) AS modalities,
        count(DISTINCT series_instance_uid) AS series_count, count(DISTINCT sop_instance_uid) AS instance_count
      FROM dicom_instance_attributes a WHERE ${where(tenantId, f)} GROUP BY study_instance_uid
      ORDER BY study_date DESC, study_instance_uid LIMIT ${page.limit} OFFSET ${page.offset}`);
    return rows.map((r) => ({
      studyInstanceUid: String(r['study_instance_uid']),
      studyDate: str(r['study_date']),
      studyTime: str(r['study_time']),
      accessionNumber: str(r['accession_number']),
      studyDescription: str(r['study_description']),
      modalities: r['modalities'] ? String(r['modalities']).split(',').sort() : [],
      seriesCount: Number(r['series_count']),
      instanceCount: Number(r['instance_count']),
    }));
  }

  /** Series with at least one matching instance. */
  async series(tenantId: string, f: DicomSearchFilter, page: DicomPage): Promise<DicomSeriesRow[]> {
    const rows = await this.d.db.all<Raw>(sql`
      SELECT study_instance_uid, series_instance_uid, min(modality) AS modality, min(series_description) AS series_description,
        min(series_number) AS series_number, count(DISTINCT sop_instance_uid) AS instance_count,
        min(study_date) AS study_date, min(study_time) AS study_time,
        min(accession_number) AS accession_number, min(study_description) AS study_description
      FROM dicom_instance_attributes a WHERE ${where(tenantId, f)} GROUP BY study_instance_uid, series_instance_uid
      ORDER BY study_instance_uid, series_number, series_instance_uid LIMIT ${page.limit} OFFSET ${page.offset}`);
    return rows.map((r) => ({
      studyInstanceUid: String(r['study_instance_uid']),
      seriesInstanceUid: String(r['series_instance_uid']),
      modality: str(r['modality']),
      seriesDescription: str(r['series_description']),
      seriesNumber: num(r['series_number']),
      instanceCount: Number(r['instance_count']),
      studyDate: str(r['study_date']),
      studyTime: str(r['study_time']),
      accessionNumber: str(r['accession_number']),
      studyDescription: str(r['study_description']),
    }));
  }

  /** Matching instances, in series then instance number order, with where their bytes are. */
  async instances(tenantId: string, f: DicomSearchFilter, page: DicomPage): Promise<DicomInstanceRow[]> {
    const rows = await this.d.db.all<Raw>(sql`
      SELECT f.*, i.blob_key, i.size FROM (${firstCopies(tenantId, f)}) f
        JOIN instances i ON i.id = f.instance_id AND i.tenant_id = ${tenantId}
      ORDER BY f.study_instance_uid, f.series_number, f.series_instance_uid, f.instance_number, f.sop_instance_uid
      LIMIT ${page.limit} OFFSET ${page.offset}`);
    return rows.map((r) => ({
      studyInstanceUid: String(r['study_instance_uid']),
      seriesInstanceUid: String(r['series_instance_uid']),
      sopInstanceUid: String(r['sop_instance_uid']),
      sopClassUid: str(r['sop_class_uid']),
      modality: str(r['modality']),
      studyDate: str(r['study_date']),
      studyTime: str(r['study_time']),
      accessionNumber: str(r['accession_number']),
      studyDescription: str(r['study_description']),
      seriesDescription: str(r['series_description']),
      seriesNumber: num(r['series_number']),
      instanceNumber: num(r['instance_number']),
      rows: num(r['rows']),
      columns: num(r['columns']),
      numberOfFrames: num(r['number_of_frames']),
      transferSyntaxUid: str(r['transfer_syntax_uid']),
      blobKey: String(r['blob_key']),
      size: Number(r['size']),
      studyId: String(r['study_id']),
    }));
  }

  /**
   * Instances stored without search attributes (before migration 0008, or without Study and
   * Series Instance UIDs), oldest first, after the instance id `after` (a cursor).
   */
  async unindexed(
    limit: number,
    after = '',
  ): Promise<
    {
      instanceId: string;
      tenantId: string;
      studyId: string;
      blobKey: string;
      sopInstanceUid: string;
      sopClassUid: string | null;
      modality: string | null;
      createdAt: number;
    }[]
  > {
    const rows = await this.d.db.all<Raw>(sql`
      SELECT i.id, i.tenant_id, i.study_id, i.blob_key, i.sop_instance_uid, i.sop_class_uid, i.modality, i.created_at FROM instances i
      WHERE i.id > ${after} AND NOT EXISTS (SELECT 1 FROM dicom_instance_attributes a WHERE a.instance_id = i.id)
      ORDER BY i.id LIMIT ${limit}`);
    return rows.map((r) => ({
      instanceId: String(r['id']),
      tenantId: String(r['tenant_id']),
      studyId: String(r['study_id']),
      blobKey: String(r['blob_key']),
      sopInstanceUid: String(r['sop_instance_uid']),
      sopClassUid: str(r['sop_class_uid']),
      modality: str(r['modality']),
      createdAt: Number(r['created_at']),
    }));
  }

  /** Stores the search attributes of an already stored instance (the backfill); a second call is a no-op. */
  async index(
    row: {
      instanceId: string;
      tenantId: string;
      studyId: string;
      sopInstanceUid: string;
      sopClassUid: string | null;
      modality: string | null;
      createdAt: number;
    },
    uids: { studyInstanceUid: string; seriesInstanceUid: string },
    a: DicomSearchAttributes,
  ): Promise<void> {
    await this.d.batch([
      run(sql`INSERT INTO dicom_instance_attributes (instance_id, tenant_id, study_id, study_instance_uid,
          series_instance_uid, sop_instance_uid, sop_class_uid, modality,
          study_date, study_time, accession_number, study_description, series_description,
          series_number, instance_number, rows, columns, number_of_frames, transfer_syntax_uid, created_at)
        SELECT ${row.instanceId}, ${row.tenantId}, ${row.studyId}, ${uids.studyInstanceUid}, ${uids.seriesInstanceUid},
          ${row.sopInstanceUid}, ${row.sopClassUid}, ${row.modality},
          ${a.studyDate}, ${a.studyTime}, ${a.accessionNumber}, ${a.studyDescription},
          ${a.seriesDescription}, ${a.seriesNumber}, ${a.instanceNumber},
          ${a.rows}, ${a.columns}, ${a.numberOfFrames}, ${a.transferSyntaxUid}, ${row.createdAt}
        WHERE EXISTS (SELECT 1 FROM instances WHERE id = ${row.instanceId} AND tenant_id = ${row.tenantId})
        ON CONFLICT (instance_id) DO NOTHING`),
    ]);
  }
}
