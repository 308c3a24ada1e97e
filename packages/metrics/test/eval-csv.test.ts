import { describe, expect, it } from 'vitest';
import { joinEvalCsvs, MetricsError, parseEvalCsv, weightedLogLoss } from '../src/index';

const errorOf = (f: () => unknown): MetricsError => {
  try {
    f();
  } catch (e) {
    if (e instanceof MetricsError) return e;
    throw e;
  }
  throw new Error('expected a MetricsError');
};

describe('eval CSV parsing', () => {
  it('reads the long layout with columns in any order, quotes, CRLF and a BOM', () => {
    const csv = parseEvalCsv(
      '\uFEFFlabel,id,probability\r\ncentral_pe,1.2.3,0.25\r\n\r\n"pe_present_on_image","1.2.3.4",1e-3\r\n',
      'p.csv',
      'predictions',
    );
    expect(csv.format).toBe('long');
    expect(csv.rows).toEqual([
      { id: '1.2.3', label: 'central_pe', value: 0.25, line: 2 },
      { id: '1.2.3.4', label: 'pe_present_on_image', value: 0.001, line: 4 },
    ]);
  });

  it('reads the study column of image rows', () => {
    const csv = parseEvalCsv('id,label,value,study\n9.9,pe_present_on_image,1,1.2\n1.2,central_pe,0,\n', 'l.csv', 'labels');
    expect(csv.rows[0]).toEqual({ id: '9.9', label: 'pe_present_on_image', value: 1, line: 2, study: '1.2' });
    expect(csv.rows[1]).not.toHaveProperty('study');
  });

  it('reads the Kaggle submission layout', () => {
    const csv = parseEvalCsv(
      'id,label\n1.2.3_acute_and_chronic_pe,0.2\n1.2.3_chronic_pe,0.1\n1.2.3_rv_lv_ratio_gte_1,0.3\n1.2.3.4.5,0.9\n',
      'sub.csv',
      'predictions',
    );
    expect(csv.format).toBe('kaggle');
    expect(csv.rows.map((r) => [r.id, r.label, r.value])).toEqual([
      ['1.2.3', 'acute_and_chronic_pe', 0.2],
      ['1.2.3', 'chronic_pe', 0.1],
      ['1.2.3', 'rv_lv_ratio_gte_1', 0.3],
      ['1.2.3.4.5', 'pe_present_on_image', 0.9],
    ]);
  });

  it.each([
    ['id,label,value\n', 'p.csv', 1, /missing column 'probability'/],
    ['id,probability\n1,0.5\n', 'p.csv', 1, /missing column 'label'/],
    ['id,label,probability\n1,central_pe\n', 'p.csv', 2, /missing column 'probability'/],
    ['id,label,probability\n1,central_pe,abc\n', 'p.csv', 2, /probability 'abc' is not a number/],
    ['id,label,probability\n1,central_pe,\n', 'p.csv', 2, /probability '' is not a number/],
    ['id,label,probability\n1,central_pe,1.5\n', 'p.csv', 2, /outside \[0, 1\]/],
    ['id,label,probability\n1,central_pe,0.5\n1,not_a_label,0.5\n', 'p.csv', 3, /unknown label 'not_a_label'/],
    ['id,label,probability\n1,central_pe,0.5\n1,central_pe,0.6\n', 'p.csv', 3, /duplicate/],
    ['id,label\n1.2_foo_pe,0.5\n', 'p.csv', 2, /unknown label in id '1.2_foo_pe'/],
    ['', 'p.csv', 1, /empty file/],
  ])('rejects %j with MALFORMED_CSV naming file and line', (text, file, line, message) => {
    const e = errorOf(() => parseEvalCsv(text, file, 'predictions'));
    expect(e.code).toBe('MALFORMED_CSV');
    expect(e.details).toEqual({ file, line });
    expect(e.message).toMatch(new RegExp(`^${file}:${line}: `));
    expect(e.message).toMatch(message);
  });

  it('accepts a header without rows', () => {
    expect(parseEvalCsv('id,label\n', 'sub.csv', 'predictions').rows).toEqual([]);
  });

  it('requires 0/1 label values', () => {
    const e = errorOf(() => parseEvalCsv('id,label,value\n1,central_pe,0.5\n', 'l.csv', 'labels'));
    expect(e.message).toBe('l.csv:2: value 0.5 is not 0 or 1');
  });
});

describe('joining predictions and labels', () => {
  const labels = parseEvalCsv(
    [
      'id,label,value,study',
      'S1,central_pe,1,',
      'S1,negative_exam_for_pe,0,',
      'S2,central_pe,0,',
      'I1,pe_present_on_image,1,S1',
      'I2,pe_present_on_image,0,S1',
      'I3,pe_present_on_image,0,',
      'S3,central_pe,1,',
      '',
    ].join('\n'),
    'labels.csv',
    'labels',
  );

  it('matches by (id, label) across layouts and builds per-study log-loss inputs', () => {
    const preds = parseEvalCsv(
      'id,label\nS1_central_pe,0.8\nS1_negative_exam_for_pe,0.1\nS2_central_pe,0.3\nI1,0.7\nI2,0.2\nI3,0.4\n',
      'sub.csv',
      'predictions',
    );
    const d = joinEvalCsvs(preds, labels);
    expect(d.byLabel.get('central_pe')).toEqual({ ids: ['S1', 'S2'], truth: [1, 0], probability: [0.8, 0.3] });
    expect(d.byLabel.get('pe_present_on_image')?.truth).toEqual([1, 0, 0]);
    expect(d.imagesWithoutStudy).toBe(1);
    expect(d.unmatchedLabels).toBe(1);
    expect(d.studies).toEqual([
      {
        studyLabels: { central_pe: { truth: 1, probability: 0.8 }, negative_exam_for_pe: { truth: 0, probability: 0.1 } },
        images: { truth: [1, 0], probability: [0.7, 0.2] },
      },
      { studyLabels: { central_pe: { truth: 0, probability: 0.3 } } },
    ]);
    expect(weightedLogLoss(d.studies).images).toBe(2);
  });

  it('fails with MISSING_LABEL naming the predictions file and line', () => {
    const preds = parseEvalCsv('id,label,probability\nS1,central_pe,0.5\nS9,central_pe,0.5\n', 'preds.csv', 'predictions');
    const e = errorOf(() => joinEvalCsvs(preds, labels));
    expect(e.code).toBe('MISSING_LABEL');
    expect(e.message).toBe("preds.csv:3: id 'S9' (central_pe) has no label in labels.csv");
    expect(e.details).toMatchObject({ file: 'preds.csv', line: 3 });
  });
});
