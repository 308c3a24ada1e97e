/**
 * Mouse, wheel and keyboard handling on the stack viewport, written on cornerstone core alone
 * (`@cornerstonejs/tools` hangs Turbopack's production build: ../shared/TOOLCHAIN.md):
 * wheel scrolls, left drag sets window/level, shift- or middle-drag pans, right- or ctrl-drag
 * and ctrl-wheel zoom. Keys are handled by the viewer component (see VIEWER_KEYS).
 */
import type { Types } from '@cornerstonejs/core';

/** A window: width and level (centre), in HU. */
export interface Voi {
  width: number;
  center: number;
}

/** The presets a CTPA reader expects. */
export const PRESETS = [
  { id: 'pe', name: 'CTPA / PE', key: '1', voi: { width: 700, center: 100 } },
  { id: 'mediastinum', name: 'Mediastinum', key: '2', voi: { width: 400, center: 40 } },
  { id: 'lung', name: 'Lung', key: '3', voi: { width: 1500, center: -600 } },
] as const satisfies readonly { id: string; name: string; key: string; voi: Voi }[];

/** Sets a window on the viewport and renders. */
export function applyVoi(viewport: Types.IStackViewport, voi: Voi): void {
  viewport.setProperties({ voiRange: { lower: voi.center - voi.width / 2, upper: voi.center + voi.width / 2 } });
  viewport.render();
}

/** Zooms by `factor` (> 1 enlarges) about the viewport centre. */
export function zoomBy(viewport: Types.IStackViewport, factor: number): void {
  const camera = viewport.getCamera();
  if (!camera.parallelScale) return;
  viewport.setCamera({ parallelScale: camera.parallelScale / factor });
  viewport.render();
}

/** Moves the image by a canvas-pixel offset. */
export function panBy(viewport: Types.IStackViewport, dx: number, dy: number): void {
  const a = viewport.canvasToWorld([0, 0]);
  const b = viewport.canvasToWorld([dx, dy]);
  const camera = viewport.getCamera();
  const d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const move = (p: Types.Point3 | undefined) => (p ? ([p[0] + d[0]!, p[1] + d[1]!, p[2] + d[2]!] as Types.Point3) : p);
  viewport.setCamera({ focalPoint: move(camera.focalPoint)!, position: move(camera.position)! });
  viewport.render();
}

/** What the pointer handlers change. */
export interface PointerTargets {
  viewport: () => Types.IStackViewport | null;
  scroll: (delta: number) => void;
  voi: () => Voi;
  setVoi: (voi: Voi) => void;
}

/** Attaches wheel and drag handlers; returns a function that removes them. */
export function attachPointer(element: HTMLElement, t: PointerTargets): () => void {
  let wheelRest = 0;
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const vp = t.viewport();
    if (!vp) return;
    if (e.ctrlKey) return zoomBy(vp, e.deltaY < 0 ? 1.1 : 1 / 1.1);
    // Trackpads send many small deltas: one slice per ~100 px, at least one per notch.
    wheelRest += e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY;
    const steps = Math.trunc(wheelRest / 100) || Math.sign(wheelRest);
    wheelRest -= steps * 100;
    if (Math.abs(wheelRest) < 100) wheelRest = 0;
    if (steps) t.scroll(steps);
  };
  let drag: { x: number; y: number; mode: 'voi' | 'pan' | 'zoom'; voi: Voi } | null = null;
  const onDown = (e: PointerEvent) => {
    const mode =
      e.button === 1 || (e.button === 0 && e.shiftKey)
        ? 'pan'
        : e.button === 2 || (e.button === 0 && e.ctrlKey)
          ? 'zoom'
          : e.button === 0
            ? 'voi'
            : null;
    if (!mode) return;
    e.preventDefault();
    element.setPointerCapture(e.pointerId);
    element.focus({ preventScroll: true });
    drag = { x: e.clientX, y: e.clientY, mode, voi: t.voi() };
  };
  const onMove = (e: PointerEvent) => {
    const vp = t.viewport();
    if (!drag || !vp) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (drag.mode === 'voi') {
      // Horizontal widens the window, vertical raises the level: 4 HU per pixel, as OHIF does.
      t.setVoi({ width: Math.max(1, drag.voi.width + dx * 4), center: drag.voi.center + dy * 4 });
      return;
    }
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (drag.mode === 'pan') panBy(vp, dx, dy);
    else zoomBy(vp, Math.exp(-dy / 150));
  };
  const onUp = (e: PointerEvent) => {
    if (drag && element.hasPointerCapture(e.pointerId)) element.releasePointerCapture(e.pointerId);
    drag = null;
  };
  const noMenu = (e: Event) => e.preventDefault();
  element.addEventListener('wheel', onWheel, { passive: false });
  element.addEventListener('pointerdown', onDown);
  element.addEventListener('pointermove', onMove);
  element.addEventListener('pointerup', onUp);
  element.addEventListener('pointercancel', onUp);
  element.addEventListener('contextmenu', noMenu);
  return () => {
    element.removeEventListener('wheel', onWheel);
    element.removeEventListener('pointerdown', onDown);
    element.removeEventListener('pointermove', onMove);
    element.removeEventListener('pointerup', onUp);
    element.removeEventListener('pointercancel', onUp);
    element.removeEventListener('contextmenu', noMenu);
  };
}

/** The keyboard map, shown in the viewer's help. */
export const VIEWER_KEYS: readonly [string, string][] = [
  ['↑ ↓ / wheel', 'previous / next slice'],
  ['Page Up / Page Down', '10 slices'],
  ['Home / End', 'first / last slice'],
  ['1 2 3', 'CTPA/PE, mediastinum, lung window'],
  ['+ −', 'zoom'],
  ['← → (with Shift: ↑ ↓)', 'pan'],
  ['O', 'overlay on / off'],
  ['R', 'reset zoom, pan and window'],
  ['drag', 'window/level (Shift: pan, Ctrl or right button: zoom)'],
];
