/**
 * cornerstone3D on one stack viewport: initialisation, the image ids of a study's instances
 * (`wadouri:` from the instance route, same origin, session cookie), prefetching and decoding in
 * web workers, and each slice's plane. Loaded only by the viewer route (a dynamic import), so no
 * other page carries cornerstone's weight.
 */
import {
  cache,
  Enums,
  imageLoader,
  init as initCore,
  metaData,
  RenderingEngine,
  setUseCPURendering,
  type Types,
} from '@cornerstonejs/core';
import { init as initLoader } from '@cornerstonejs/dicom-image-loader';
import type { SlicePlane } from '@embolus/shared/evidence';

let initialised: Promise<void> | null = null;

/**
 * True when WebGL runs in software (SwiftShader, llvmpipe) or not at all. There, uploading each
 * 512² slice as a texture and reading it back costs more than cornerstone's CPU path (a LUT and
 * putImageData), so the viewer renders on the CPU; with a real GPU it uses WebGL.
 */
export function softwareWebGl(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return true;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  } catch {
    return true;
  }
}

/** Initialises cornerstone and the DICOM image loader once per page. */
export function initCornerstone(): Promise<void> {
  initialised ??= (async () => {
    await initCore();
    if (softwareWebGl()) setUseCPURendering(true);
    // Decoding runs in workers; leave a core for the main thread's rendering and scrolling.
    initLoader({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)) });
    // Room for a 512² × 600-slice stack decoded once (int16/float32 as cornerstone keeps it).
    cache.setMaxCacheSize(1536 * 1024 * 1024);
  })();
  return initialised;
}

/** The image id of a stored instance. */
export function imageIdOf(studyId: string, sopInstanceUid: string): string {
  return `wadouri:${window.location.origin}/v1/studies/${encodeURIComponent(studyId)}/instances/${encodeURIComponent(sopInstanceUid)}`;
}

/** One stack viewport on an element. */
export function createStackViewport(element: HTMLDivElement): { engine: RenderingEngine; viewport: Types.IStackViewport } {
  const engine = new RenderingEngine(`embolus-${Math.random().toString(36).slice(2)}`);
  engine.enableElement({ viewportId: 'stack', type: Enums.ViewportType.STACK, element, defaultOptions: { background: [0, 0, 0] } });
  return { engine, viewport: engine.getViewport('stack') as Types.IStackViewport };
}

/** The plane of a loaded image, from its header; null when one of the three attributes is absent. */
export function planeOf(imageId: string): (SlicePlane & { rows: number; cols: number }) | null {
  const m = metaData.get('imagePlaneModule', imageId) as Types.ImagePlaneModule | undefined;
  const ipp = m?.imagePositionPatient;
  const row = m?.rowCosines;
  const col = m?.columnCosines;
  if (!m || !ipp || !row || !col || !m.rowPixelSpacing || !m.columnPixelSpacing || !m.rows || !m.columns) return null;
  return {
    imagePositionPatient: [ipp[0], ipp[1], ipp[2]],
    imageOrientationPatient: [row[0], row[1], row[2], col[0], col[1], col[2]],
    pixelSpacing: [m.rowPixelSpacing, m.columnPixelSpacing],
    rows: m.rows,
    cols: m.columns,
  };
}

/** Why an image failed to load or decode, in words for the placeholder. */
export function loadErrorReason(e: unknown): string {
  const err = (e as { error?: unknown })?.error ?? e;
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : (err as { message?: string })?.message;
  return msg && msg.length < 300 ? msg : 'the image could not be decoded';
}

/**
 * Loads (fetches, parses and decodes into the cache) every image, nearest to `from` first, a few
 * at a time; calls back for each one done or failed. Returns a function that stops it.
 */
export function prefetch(
  imageIds: readonly string[],
  from: number,
  onDone: (imageId: string, error: string | null) => void,
  concurrency = 6,
): () => void {
  const order = imageIds.map((_, i) => i).sort((a, b) => Math.abs(a - from) - Math.abs(b - from));
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < order.length) {
      const id = imageIds[order[next++]!]!;
      try {
        await imageLoader.loadAndCacheImage(id);
        if (!stopped) onDone(id, null);
      } catch (e) {
        if (!stopped) onDone(id, loadErrorReason(e));
      }
    }
  };
  for (let i = 0; i < concurrency; i++) void worker();
  return () => {
    stopped = true;
  };
}

/** Pixel values (modality units, HU for CT) of a loaded image, for thumbnails. */
export function pixelsOf(imageId: string): { hu: ArrayLike<number>; rows: number; cols: number; slope: number; intercept: number } | null {
  const image = cache.getImage(imageId) as (Types.IImage & { preScale?: { scaled?: boolean } }) | undefined;
  if (!image) return null;
  const scaled = Boolean(image.preScale?.scaled);
  return {
    hu: image.getPixelData(),
    rows: image.rows,
    cols: image.columns,
    slope: scaled ? 1 : (image.slope ?? 1),
    intercept: scaled ? 0 : (image.intercept ?? 0),
  };
}

/** Loads one image (from the cache when there) and resolves when it is ready. */
export async function loadImage(imageId: string): Promise<void> {
  await imageLoader.loadAndCacheImage(imageId);
}
