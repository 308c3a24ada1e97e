/** The burned-in caption of a key image fits the image: smaller type first, then a cut with "..". */
import { describe, expect, it } from 'vitest';
import { textWidth } from '../src/font';
import { fitCaption } from '../src/key-image';

const CAPTION = 'WINDOW 9 P=1.00 EMBOLUS DEMO-F4C9D395CF64DCC7';

describe('fitCaption', () => {
  it('keeps the largest scale at which the whole caption fits', () => {
    expect(fitCaption(CAPTION, 1024, 6)).toEqual({ text: CAPTION, scale: 3 });
    expect(fitCaption(CAPTION, 512, 3)).toEqual({ text: CAPTION, scale: 1 });
    expect(fitCaption('P=0.50', 512, 3)).toEqual({ text: 'P=0.50', scale: 3 });
  });

  it('cuts a caption too long even at scale 1, keeping its start, and never draws past the edge', () => {
    const { text, scale } = fitCaption(CAPTION, 128, 1);
    expect(scale).toBe(1);
    expect(text.endsWith('..')).toBe(true);
    expect(text.startsWith('WINDOW 9 P=1.00')).toBe(true);
    expect(2 * scale + textWidth(text, scale)).toBeLessThanOrEqual(128);
  });
});
