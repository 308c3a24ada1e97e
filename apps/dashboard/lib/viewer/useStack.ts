/**
 * The stack viewport's lifecycle as a React hook: cornerstone on the element, the first image
 * shown as soon as it decodes, every other image prefetched (nearest first), each slice's plane
 * read from its header, and the stack put in patient order (head first) once every header is in.
 * A frame that fails to load or decode is recorded with its reason; the rest of the stack works.
 */
import { cache, Enums, type Types } from '@cornerstonejs/core';
import { stackOrder, type SlicePlane } from '@embolus/shared/evidence';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { createStackViewport, initCornerstone, loadErrorReason, planeOf, prefetch } from './engine';
import { applyVoi, type Voi } from './interaction';

export type Plane = SlicePlane & { rows: number; cols: number };

/** What the viewer reads of the stack. */
export interface StackState {
  imageIds: string[];
  index: number;
  /** Why the stack could not be shown at all. */
  fatal: string | null;
  /** Reasons per image id of frames that could not be loaded or decoded. */
  failed: Record<string, string>;
  /** Images loaded (or failed) so far. */
  loaded: number;
  /** True once every header is in and the stack is in patient order. */
  ordered: boolean;
  /** Bumps on every render (image, window, zoom or pan). */
  renders: number;
}

export function useStack(element: RefObject<HTMLDivElement | null>, initialIds: string[], voi: Voi) {
  const viewport = useRef<Types.IStackViewport | null>(null);
  const planes = useRef(new Map<string, Plane>());
  const voiRef = useRef(voi);
  voiRef.current = voi;
  const [s, setS] = useState<StackState>({
    imageIds: initialIds,
    index: 0,
    fatal: null,
    failed: {},
    loaded: 0,
    ordered: false,
    renders: 0,
  });

  useEffect(() => {
    const el = element.current;
    if (!el || initialIds.length === 0) return;
    let live = true;
    let stopPrefetch = () => {};
    let engine: { destroy(): void } | null = null;
    let ids = initialIds;
    const onRendered = () => {
      const vp = viewport.current;
      if (!live || !vp) return;
      if (!performance.getEntriesByName('embolus:first-image').length) performance.mark('embolus:first-image');
      setS((p) => ({ ...p, index: vp.getCurrentImageIdIndex(), renders: p.renders + 1 }));
    };
    const onNewImage = () => {
      const vp = viewport.current;
      if (live && vp) setS((p) => ({ ...p, index: vp.getCurrentImageIdIndex() }));
    };
    const onError = (e: Event) => {
      const d = (e as CustomEvent<{ imageId?: string; error?: unknown }>).detail;
      if (live && d?.imageId) setS((p) => ({ ...p, failed: { ...p.failed, [d.imageId!]: loadErrorReason(d) } }));
    };
    (async () => {
      try {
        await initCornerstone();
        performance.mark('embolus:cornerstone-ready');
        if (!live) return;
        const made = createStackViewport(el);
        engine = made.engine;
        viewport.current = made.viewport;
        // A read-only handle for the browser tests and the benchmark: the order shown and where a patient point lands.
        (window as unknown as { embolusViewer?: unknown }).embolusViewer = {
          imageIds: () => [...ids],
          index: () => made.viewport.getCurrentImageIdIndex(),
          worldToCanvas: (p: Types.Point3) => made.viewport.worldToCanvas(p),
          cacheBytes: () => cache.getCacheSize(),
        };
        el.addEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
        el.addEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
        el.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onError);
        // Show slice 0 as soon as it decodes; a failed first frame still leaves the stack usable.
        await made.viewport
          .setStack(ids, 0)
          .catch((e: unknown) => setS((p) => ({ ...p, failed: { ...p.failed, [ids[0]!]: loadErrorReason(e) } })));
        if (!live) return;
        applyVoi(made.viewport, voiRef.current);
        let done = 0;
        stopPrefetch = prefetch(ids, 0, (id, error) => {
          done++;
          const plane = planeOf(id);
          if (plane) planes.current.set(id, plane);
          setS((p) => ({ ...p, loaded: done, ...(error ? { failed: { ...p.failed, [id]: error } } : {}) }));
          if (done === ids.length) void reorder();
        });
      } catch (e) {
        if (live) setS((p) => ({ ...p, fatal: `The viewer could not start: ${loadErrorReason(e)}` }));
      }
    })();
    /** Patient order, head first; frames without a readable plane keep their place at the end. */
    const reorder = async () => {
      const vp = viewport.current;
      if (!vp || !live) return;
      const withPlane = ids.filter((id) => planes.current.has(id));
      const sorted = stackOrder(withPlane.map((id) => planes.current.get(id)!))
        .map((i) => withPlane[i]!)
        .reverse();
      const next = [...sorted, ...ids.filter((id) => !planes.current.has(id))];
      if (next.some((id, i) => id !== ids[i])) {
        const current = ids[vp.getCurrentImageIdIndex()]!;
        ids = next;
        await vp.setStack(ids, Math.max(0, ids.indexOf(current))).catch(() => undefined);
        applyVoi(vp, voiRef.current);
      }
      if (live) setS((p) => ({ ...p, imageIds: ids, index: vp.getCurrentImageIdIndex(), ordered: true }));
    };
    return () => {
      live = false;
      stopPrefetch();
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
      el.removeEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
      el.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onError);
      viewport.current = null;
      engine?.destroy();
    };
    // The stack is set up once per study; initialIds is stable for a mounted viewer.
  }, [element, initialIds]);

  /** Shows slice `i` (clamped). */
  const go = (i: number) => {
    const vp = viewport.current;
    if (!vp) return;
    const n = vp.getImageIds().length;
    const k = Math.max(0, Math.min(n - 1, Math.round(i)));
    if (k !== vp.getCurrentImageIdIndex()) void vp.setImageIdIndex(k).catch(() => undefined);
    // A failed frame renders nothing: move the index anyway so its placeholder shows.
    setS((p) => ({ ...p, index: k }));
  };
  return { state: s, viewport, planes, go };
}
