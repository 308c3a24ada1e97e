'use client';
/**
 * The study viewer: a cornerstone3D stack with scroll (wheel, keys, slider), window/level by drag
 * and presets, zoom, pan and reset; the Grad-CAM overlay placed through the CAM geometry with a
 * toggle, opacity and legend; the z-strip and the key images. Imported dynamically by
 * app/viewer/page.tsx, so cornerstone loads only when a viewer opens.
 */
import { keySlices, keyWindows, sliceToWindow, windowToSlices } from '@embolus/shared/evidence';
import { STUDY_LABELS } from '@embolus/shared/labels';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { LABEL_NAMES } from '@/lib/labels';
import type { AnalysisResult, StudyLabel } from '@/lib/types';
import { loadCam, type CamState } from '@/lib/viewer/evidence';
import { applyVoi, attachPointer, panBy, PRESETS, VIEWER_KEYS, zoomBy, type Voi } from '@/lib/viewer/interaction';
import { drawOverlay, OverlayCache } from '@/lib/viewer/overlay';
import { paintThumb } from '@/lib/viewer/thumbs';
import { useStack } from '@/lib/viewer/useStack';
import { KeyImages, OverlayLegend, ZStrip, type KeyImage, type StripWindow } from './EvidencePanels';
import './viewer.css';

export interface ViewerProps {
  studyId: string;
  result: AnalysisResult | null;
  /** Image ids in their first order (the result's slice order when there is one). */
  imageIds: string[];
  /** SOP Instance UID of each image id. */
  sopOf: Record<string, string>;
}

export default function Viewer({ studyId, result, imageIds, sopOf }: ViewerProps) {
  const element = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [voi, setVoiState] = useState<Voi>(PRESETS[0].voi);
  const { state, viewport, planes, go } = useStack(element, imageIds, voi);
  const [camState, setCamState] = useState<CamState | null>(null);
  const [overlayOn, setOverlayOn] = useState(true);
  const [opacity, setOpacity] = useState(0.6);
  const [label, setLabel] = useState<StudyLabel>('negative_exam_for_pe');
  const n = state.imageIds.length;
  const currentId = state.imageIds[state.index];
  const cam = camState?.cam ?? null;
  // A CAM that turns out unplaceable while drawing drops the overlay with its reason; the images stay.
  const overlays = useMemo(
    () => (cam ? new OverlayCache(cam, (message) => setCamState({ cam: null, problem: `No overlay: ${message}.` })) : null),
    [cam],
  );
  const setVoi = (v: Voi) => {
    setVoiState(v);
    if (viewport.current) applyVoi(viewport.current, v);
  };
  const live = useRef({ index: state.index, voi });
  live.current = { index: state.index, voi };

  useEffect(() => {
    let on = true;
    void loadCam(studyId, result).then((c) => on && setCamState(c));
    return () => {
      on = false;
    };
  }, [studyId, result]);

  // Pointer handlers attach once per mounted stack and read live values through refs.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the reason is the comment above
  useEffect(() => {
    const el = element.current;
    if (!el) return;
    return attachPointer(el, {
      viewport: () => viewport.current,
      scroll: (d) => go(live.current.index + d),
      voi: () => live.current.voi,
      setVoi,
    });
  }, []);

  // The overlay follows every render of the stack (slice, zoom, pan) and its own settings.
  // The overlay must redraw after every stack render (slice, zoom, pan): those counters are the triggers.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the reason is the comment above
  useEffect(() => {
    const vp = viewport.current;
    const c = canvas.current;
    if (!vp || !c) return;
    const plane = currentId ? (planes.current.get(currentId) ?? null) : null;
    const failed = currentId ? Boolean(state.failed[currentId]) : false;
    const map = overlayOn && overlays && plane && !failed && currentId ? overlays.get(currentId, plane) : null;
    drawOverlay(c, vp, plane, map, opacity);
  }, [state.renders, state.index, state.loaded, currentId, overlayOn, opacity, overlays, state.failed, viewport, planes]);

  // Windows on the stack: through the CAM affine once the planes are in, else by the result's slice lists.
  const windows = result?.windows ?? [];
  const strip: StripWindow[] = useMemo(() => {
    const geometry = result?.camGeometry;
    const ps = state.ordered ? state.imageIds.map((id) => planes.current.get(id)) : [];
    const all = ps.length > 0 && ps.every(Boolean) ? ps.map((p) => p!) : null;
    const index = new Map(state.imageIds.map((id, i) => [sopOf[id], i]));
    return windows.map((w) => {
      const viaGeometry = geometry && all ? windowToSlices(geometry, windows.length, w.index, all) : null;
      const listed = w.slices.map((s) => index.get(s.sopInstanceUid)).filter((i): i is number => i !== undefined);
      const slice = viaGeometry?.centre ?? (listed.length ? listed[Math.floor(listed.length / 2)]! : 0);
      return {
        index: w.index,
        probability: w.probability,
        decision: w.decision === true,
        attention: result?.attention[label]?.[w.index] ?? 0,
        slice,
      };
    });
  }, [result, windows, state.ordered, state.imageIds, planes, sopOf, label]);
  // `planes` is a ref filled as headers load; `state.loaded` is what says it changed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the reason is the comment above
  const currentWindow = useMemo(() => {
    const plane = currentId ? planes.current.get(currentId) : undefined;
    if (result?.camGeometry && plane) return sliceToWindow(result.camGeometry, windows.length, plane, plane.rows, plane.cols);
    const sop = currentId ? sopOf[currentId] : undefined;
    return windows.find((w) => w.slices.some((s) => s.sopInstanceUid === sop))?.index ?? null;
  }, [currentId, planes, result, windows, sopOf, state.loaded]);

  const keys: KeyImage[] = useMemo(() => {
    if (!result || !cam || !state.ordered) return [];
    const ps = state.imageIds.map((id) => planes.current.get(id));
    if (!ps.every(Boolean)) return [];
    return keySlices(
      keyWindows(result, 4),
      windows.length,
      cam,
      ps.map((p) => p!),
    ).map((k) => {
      const id = state.imageIds[k.slice]!;
      return {
        windowIndex: k.windowIndex,
        probability: k.probability,
        slice: k.slice,
        paint: (c: HTMLCanvasElement) => paintThumb(c, id, planes.current.get(id)!, overlays),
      };
    });
  }, [result, cam, state.ordered, state.imageIds, planes, windows.length, overlays]);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const vp = viewport.current;
    const k = e.key;
    const preset = PRESETS.find((p) => p.key === k);
    if (k === 'ArrowUp' && !e.shiftKey) go(state.index - 1);
    else if (k === 'ArrowDown' && !e.shiftKey) go(state.index + 1);
    else if (k === 'PageUp') go(state.index - 10);
    else if (k === 'PageDown') go(state.index + 10);
    else if (k === 'Home') go(0);
    else if (k === 'End') go(n - 1);
    else if (preset) setVoi(preset.voi);
    else if ((k === '+' || k === '=') && vp) zoomBy(vp, 1.2);
    else if (k === '-' && vp) zoomBy(vp, 1 / 1.2);
    else if (k === 'ArrowLeft' && vp) panBy(vp, -20, 0);
    else if (k === 'ArrowRight' && vp) panBy(vp, 20, 0);
    else if (k === 'ArrowUp' && vp) panBy(vp, 0, -20);
    else if (k === 'ArrowDown' && vp) panBy(vp, 0, 20);
    else if (k === 'o' || k === 'O') setOverlayOn((v) => !v);
    else if (k === 'r' || k === 'R') reset();
    else return;
    e.preventDefault();
  };
  const reset = () => {
    const vp = viewport.current;
    if (!vp) return;
    vp.resetCamera();
    setVoi(PRESETS[0].voi);
  };
  const failure = currentId ? state.failed[currentId] : undefined;
  const activePreset = PRESETS.find((p) => p.voi.width === voi.width && p.voi.center === voi.center);

  return (
    <div className="vw">
      <div className="vw-toolbar" role="toolbar" aria-label="Viewer tools">
        <div className="vw-group" role="group" aria-label="Window presets">
          {PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              className="vw-btn"
              aria-pressed={activePreset?.id === p.id}
              onClick={() => setVoi(p.voi)}
              title={`Key ${p.key}`}
            >
              {p.name}
            </button>
          ))}
        </div>
        <div className="vw-group" role="group" aria-label="Zoom">
          <button type="button" className="vw-btn" aria-label="Zoom in" onClick={() => viewport.current && zoomBy(viewport.current, 1.2)}>
            +
          </button>
          <button
            type="button"
            className="vw-btn"
            aria-label="Zoom out"
            onClick={() => viewport.current && zoomBy(viewport.current, 1 / 1.2)}
          >
            −
          </button>
          <button type="button" className="vw-btn" onClick={reset}>
            Reset
          </button>
        </div>
        <div className="vw-group" role="group" aria-label="Grad-CAM overlay">
          <label className="vw-check">
            <input type="checkbox" checked={overlayOn && !!cam} disabled={!cam} onChange={(e) => setOverlayOn(e.target.checked)} /> Overlay
          </label>
          <label className="vw-range">
            Opacity
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={opacity}
              disabled={!cam || !overlayOn}
              onChange={(e) => setOpacity(Number(e.target.value))}
              aria-valuetext={`${Math.round(opacity * 100)} %`}
            />
          </label>
        </div>
        {cam && <OverlayLegend />}
      </div>
      {camState?.problem && (
        <p className="vw-note" role="status" data-testid="overlay-problem">
          {camState.problem}
        </p>
      )}
      <ErrorNotice>{state.fatal}</ErrorNotice>
      <div className={`vw-main${windows.length > 0 ? '' : ' vw-main--nostrip'}`}>
        <div className="vw-stage">
          <div
            ref={element}
            className="vw-viewport"
            tabIndex={0}
            role="application"
            aria-label={
              `CT image stack, slice ${state.index + 1} of ${n}. ` +
              'Arrow keys scroll; 1, 2, 3 set the window; plus and minus zoom; R resets.'
            }
            aria-describedby="vw-keys"
            onKeyDown={onKey}
            data-slice-index={state.index}
            data-loaded={state.loaded}
            data-ordered={state.ordered ? 'true' : 'false'}
          />
          {/* A canvas without tabIndex is not focusable; the picture is described by the labelled control around it. */}
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: the reason is the comment above */}
          <canvas ref={canvas} className="vw-overlay" aria-hidden="true" />
          {failure && (
            <div className="vw-placeholder" role="alert">
              <strong>Slice {state.index + 1} cannot be shown.</strong>
              <span>{failure}</span>
              <span>The other slices can still be viewed.</span>
            </div>
          )}
          <div className="vw-hud vw-hud--tl" aria-live="polite">
            <span className="mono">
              {n ? state.index + 1 : 0} / {n}
            </span>
          </div>
          <div className="vw-hud vw-hud--bl mono" data-testid="wl-readout">
            W {Math.round(voi.width)} L {Math.round(voi.center)}
            {activePreset ? ` · ${activePreset.name}` : ''}
          </div>
          <div className="vw-hud vw-hud--tr mono">{state.loaded < n ? `loading ${state.loaded}/${n}` : ''}</div>
        </div>
        {windows.length > 0 && <ZStrip windows={strip} current={currentWindow} label={label} onJump={go} />}
        <aside className="vw-side" aria-label="Evidence">
          <label className="vw-select">
            Attention of
            <select value={label} onChange={(e) => setLabel(e.target.value as StudyLabel)}>
              {STUDY_LABELS.map((l) => (
                <option key={l} value={l}>
                  {LABEL_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <h2 className="vw-side__title">Key images</h2>
          {keys.length > 0 ? (
            <KeyImages keys={keys} onOpen={go} />
          ) : (
            <p className="vw-muted">
              {cam ? 'Key images appear once every slice has loaded.' : 'No key images without the Grad-CAM overlay.'}
            </p>
          )}
          <details className="vw-help">
            <summary>Keyboard and mouse</summary>
            <dl id="vw-keys">
              {VIEWER_KEYS.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </details>
        </aside>
      </div>
      <label className="vw-slider">
        <span className="sr-only">Slice</span>
        <input
          type="range"
          min={1}
          max={Math.max(1, n)}
          value={state.index + 1}
          onChange={(e) => go(Number(e.target.value) - 1)}
          aria-valuetext={`slice ${state.index + 1} of ${n}`}
        />
      </label>
    </div>
  );
}
