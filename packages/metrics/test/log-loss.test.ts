import { IMAGE_LABEL_WEIGHT, STUDY_LABEL_WEIGHTS } from '@embolus/shared';
import { describe, expect, it } from 'vitest';
import { binaryCrossEntropy, logLoss, perLabelLogLoss, weightedLogLoss } from '../src/index';

describe('log loss', () => {
  it('is the mean binary cross-entropy', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo((-Math.log(0.8) - Math.log(0.6)) / 2, 15);
  });

  it('clips probabilities to [1e-15, 1 − 1e-15]', () => {
    expect(binaryCrossEntropy(1, 0)).toBeCloseTo(-Math.log(1e-15), 12);
    expect(binaryCrossEntropy(0, 1)).toBeCloseTo(-Math.log(1 - (1 - 1e-15)), 6);
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
  });

  it('is computed per label', () => {
    const r = perLabelLogLoss({ central_pe: { truth: [1], probability: [0.5] }, chronic_pe: { truth: [0], probability: [0.25] } });
    expect(r['central_pe']).toBeCloseTo(Math.log(2), 15);
    expect(r['chronic_pe']).toBeCloseTo(-Math.log(0.75), 15);
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => logLoss([1], [1.2])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => logLoss([], [])).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
  });
});

describe('weighted log loss (RSNA-STR PE metric)', () => {
  // Hand-computed: study 1 has 2 of 4 images positive (q = 0.5); study 2 has none (q = 0, weight 0).
  const studies = [
    {
      studyLabels: { negative_exam_for_pe: { truth: 0, probability: 0.2 }, central_pe: { truth: 1, probability: 0.7 } },
      images: { truth: [1, 1, 0, 0], probability: [0.9, 0.6, 0.2, 0.1] },
    },
    {
      studyLabels: { negative_exam_for_pe: { truth: 1, probability: 0.9 } },
      images: { truth: [0, 0], probability: [0.3, 0.1] },
    },
  ];

  it('matches the hand computation', () => {
    const wNeg = 0.0736196319;
    const wCentral = 0.1877300613;
    expect(STUDY_LABEL_WEIGHTS.negative_exam_for_pe).toBe(wNeg);
    expect(STUDY_LABEL_WEIGHTS.central_pe).toBe(wCentral);
    const studyLoss = wNeg * -Math.log(0.8) + wCentral * -Math.log(0.7) + wNeg * -Math.log(0.9);
    const studyWeight = 2 * wNeg + wCentral;
    const wImage = 0.07361963 * 0.5;
    expect(IMAGE_LABEL_WEIGHT).toBe(0.07361963);
    const imageLoss = wImage * (-Math.log(0.9) - Math.log(0.6) - Math.log(0.8) - Math.log(0.9));
    const imageWeight = wImage * 4;
    const r = weightedLogLoss(studies);
    expect(r.loss).toBeCloseTo((studyLoss + imageLoss) / (studyWeight + imageWeight), 14);
    // The same number worked out on paper (to 12 digits).
    expect(r.loss).toBeCloseTo(0.26112523335, 11);
    expect(r.studyLevel).toBeCloseTo(studyLoss / studyWeight, 14);
    expect(r.imageLevel).toBeCloseTo(imageLoss / imageWeight, 14);
    expect(r).toMatchObject({ studies: 2, images: 6 });
    expect(r.imageWeight).toBeCloseTo(0.14723926, 15);
  });

  it('gives images of a negative study no weight', () => {
    const r = weightedLogLoss([
      { images: { truth: [0, 0], probability: [0.99, 0.99] } },
      { studyLabels: { indeterminate: { truth: 0, probability: 0.5 } } },
    ]);
    expect(r.loss).toBeCloseTo(Math.log(2), 15);
    expect(r.imageLevel).toBeNaN();
  });

  it('fails without any weight', () => {
    expect(() => weightedLogLoss([])).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
  });
});
