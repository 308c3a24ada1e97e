import { describe, expect, it } from 'vitest';
import { cohortSummary, delongCi } from '../src/index';

const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`);

describe('cohort summary', () => {
  // January: 4 positives, 5 negatives; February: none; March: 1 positive, 3 negatives.
  const rows: [string, number, number][] = [
    ['2024-01-02', 1, 0.9],
    ['2024-01-05', 1, 0.7],
    ['2024-01-09', 1, 0.4],
    ['2024-01-20', 1, 0.8],
    ['2024-01-03', 0, 0.2],
    ['2024-01-10', 0, 0.5],
    ['2024-01-15', 0, 0.1],
    ['2024-01-31', 0, 0.7],
    ['2024-01-31', 0, 0.3],
    ['2024-03-01', 1, 0.6],
    ['2024-03-02', 0, 0.4],
    ['2024-03-30', 0, 0.2],
    ['2024-03-31', 0, 0.1],
  ];
  const input = {
    time: rows.map((r) => day(r[0])),
    labels: {
      central_pe: { truth: rows.map((r) => r[1]), probability: rows.map((r) => r[2]) },
      chronic_pe: { truth: rows.map((_, i) => (i === 0 ? NaN : 0)), probability: rows.map(() => 0.5) },
    },
  };

  it('gives AUROC and DeLong CI per month, with counts', () => {
    const out = cohortSummary(input, { window: 'month', minPositives: 3, minNegatives: 3 });
    expect(out.map((w) => [w.key, w.start, w.end, w.studies])).toEqual([
      ['2024-01', '2024-01-01', '2024-02-01', 9],
      ['2024-02', '2024-02-01', '2024-03-01', 0],
      ['2024-03', '2024-03-01', '2024-04-01', 4],
    ]);
    const jan = out[0]?.labels['central_pe'];
    const ref = delongCi([0.9, 0.7, 0.4, 0.8, 0.2, 0.5, 0.1, 0.7, 0.3], [1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(jan).toEqual({ kind: 'auroc', n: 9, positives: 4, negatives: 5, auroc: ref.auroc, ci: ref.ci });
  });

  it('tags windows below the minimum counts as insufficient data', () => {
    const out = cohortSummary(input, { window: 'month', minPositives: 3, minNegatives: 3 });
    expect(out[2]?.labels['central_pe']).toEqual({
      kind: 'insufficient_data',
      n: 4,
      positives: 1,
      negatives: 3,
      required: { positives: 3, negatives: 3 },
    });
    expect(out[1]?.labels['central_pe']).toMatchObject({ kind: 'insufficient_data', n: 0 });
    // A NaN truth means "not available": January has 8 chronic_pe rows, all negative.
    expect(out[0]?.labels['chronic_pe']).toMatchObject({ kind: 'insufficient_data', n: 8, positives: 0, negatives: 8 });
    // Default minimums are 10 positives and 10 negatives.
    expect(cohortSummary(input, { window: 'month' })[0]?.labels['central_pe']?.kind).toBe('insufficient_data');
  });

  it('uses ISO weeks (Monday start, ISO week-year)', () => {
    const out = cohortSummary({ time: [day('2021-01-03'), day('2021-01-04')], labels: {} }, { window: 'week' });
    expect(out.map((w) => [w.key, w.start, w.end])).toEqual([
      ['2020-W53', '2020-12-28', '2021-01-04'],
      ['2021-W01', '2021-01-04', '2021-01-11'],
    ]);
    const y2024 = cohortSummary({ time: [day('2024-01-01'), day('2024-12-30')], labels: {} }, { window: 'week' });
    expect(y2024[0]?.key).toBe('2024-W01');
    expect(y2024.at(-1)?.key).toBe('2025-W01');
  });

  it('rejects bad input', () => {
    expect(() => cohortSummary({ time: [NaN], labels: {} }, { window: 'month' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => cohortSummary(input, { window: 'month', minPositives: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => cohortSummary({ time: [0, 1], labels: { x: { truth: [1], probability: [0.2, 0.3] } } }, { window: 'month' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(cohortSummary({ time: [], labels: {} }, { window: 'week' })).toEqual([]);
  });
});
