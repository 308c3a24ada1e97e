'use client';
/**
 * The evidence beside the stack: the overlay's colour legend, the z-strip (window PE probability
 * and the focused label's attention, in patient order, the current slice's window marked; a click
 * jumps there) and the key-image thumbnails with the overlay (a click opens the slice).
 */
import { heatColor } from '@embolus/shared/evidence';
import { useEffect, useRef } from 'react';
import { percent } from '@/lib/format';
import { LABEL_NAMES } from '@/lib/labels';
import type { StudyLabel } from '@/lib/types';
import { OVERLAY_FLOOR } from '@/lib/viewer/evidence';

/** The heat map's colour bar, from the floor (nothing drawn below) to the study's maximum. */
export function OverlayLegend() {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const t = OVERLAY_FLOOR + ((1 - OVERLAY_FLOOR) * i) / 10;
    const [r, g, b] = heatColor(t);
    return `rgb(${r | 0} ${g | 0} ${b | 0}) ${i * 10}%`;
  });
  return (
    <figure className="vw-legend" aria-label="Grad-CAM colour scale">
      <div className="vw-legend__bar" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <figcaption className="vw-legend__axis">
        <span>{Math.round(OVERLAY_FLOOR * 100)} %</span>
        <span>Grad-CAM, share of the study&apos;s maximum</span>
        <span>100 %</span>
      </figcaption>
    </figure>
  );
}

/** One window of the z-strip, placed on the stack. */
export interface StripWindow {
  index: number;
  probability: number;
  decision: boolean;
  attention: number;
  /** The stack slice a click opens (the window's centre slice). */
  slice: number;
}

export function ZStrip({
  windows,
  current,
  label,
  onJump,
}: {
  windows: StripWindow[];
  current: number | null;
  label: StudyLabel;
  onJump: (slice: number) => void;
}) {
  const peak = Math.max(1e-9, ...windows.map((w) => w.attention));
  const ordered = [...windows].sort((a, b) => a.slice - b.slice);
  return (
    <nav className="vw-strip" aria-label="Windows along the scan">
      <div className="vw-strip__head" aria-hidden="true">
        <span>P(PE)</span>
        <span>Attn.</span>
      </div>
      <ol className="vw-strip__list">
        {ordered.map((w) => (
          <li key={w.index}>
            <button
              type="button"
              className={`vw-strip__win${w.index === current ? ' is-current' : ''}${w.decision ? ' is-pe' : ''}`}
              aria-current={w.index === current ? 'location' : undefined}
              data-window={w.index}
              data-attention={w.attention}
              aria-label={
                `Window ${w.index + 1}: PE probability ${percent(w.probability)}, ` +
                `${LABEL_NAMES[label]} attention ${percent(w.attention, 1)}${w.decision ? ', PE reported' : ''}. Go to slice ${w.slice + 1}`
              }
              onClick={() => onJump(w.slice)}
            >
              <span className="vw-strip__bar vw-strip__bar--p" style={{ width: `${w.probability * 100}%` }} />
              <span className="vw-strip__bar vw-strip__bar--a" style={{ width: `${(w.attention / peak) * 100}%` }} />
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A key image: a slice with its thumbnail painter. */
export interface KeyImage {
  windowIndex: number;
  probability: number;
  slice: number;
  paint: (canvas: HTMLCanvasElement) => Promise<void>;
}

function Thumb({ k, onOpen }: { k: KeyImage; onOpen: (slice: number) => void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) void k.paint(ref.current);
  }, [k]);
  return (
    <li>
      <button
        type="button"
        className="vw-key"
        onClick={() => onOpen(k.slice)}
        aria-label={
          `Key image: slice ${k.slice + 1}, window ${k.windowIndex + 1}, ` + `PE probability ${percent(k.probability)}. Open in the stack`
        }
      >
        {/* A canvas without tabIndex is not focusable; the picture is described by the labelled control
            around it. */}
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: the reason is the comment above */}
        <canvas ref={ref} width={144} height={144} aria-hidden="true" />
        <span className="vw-key__cap">
          Slice {k.slice + 1} · {percent(k.probability)}
        </span>
      </button>
    </li>
  );
}

export function KeyImages({ keys, onOpen }: { keys: KeyImage[]; onOpen: (slice: number) => void }) {
  return (
    <ul className="vw-keys" aria-label="Key images">
      {keys.map((k) => (
        <Thumb key={`${k.windowIndex}-${k.slice}`} k={k} onOpen={onOpen} />
      ))}
    </ul>
  );
}
