/**
 * Loading a model directory: manifest, checksums, and ONNX Runtime sessions with the execution
 * provider chosen at load time (CUDA when present, else CPU).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { InferenceError } from './errors';
import { ModelManifestSchema, type ModelManifest } from './manifest';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface LoadOptions {
  /** 'auto' tries CUDA and falls back to CPU. */
  executionProvider?: ExecutionProvider | 'auto';
  intraOpThreads?: number;
  interOpThreads?: number;
}

/** A loaded model: manifest, sessions and the provider they run on. */
export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  /** sha256 of manifest.json itself: identifies this exact model version. */
  sha256: string;
  phase1: ort.InferenceSession;
  phase2: ort.InferenceSession;
  executionProvider: ExecutionProvider;
  release(): Promise<void>;
}

/**
 * Whether onnxruntime-node's CUDA provider library was installed next to its binding. `.npmrc`
 * skips that download (`onnxruntime-node-install=skip`) except in the GPU image; without the
 * library ORT prints a native error on every session it tries, so 'auto' does not try at all.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const bin = path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

async function session(bytes: Uint8Array, ep: ExecutionProvider, o: LoadOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ep === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: o.intraOpThreads ?? 2,
    interOpNumThreads: o.interOpThreads ?? 1,
    graphOptimizationLevel: 'all',
  });
}

/** Loads `dir`. Throws MODEL_NOT_FOUND, MODEL_INVALID (manifest) or MODEL_CHECKSUM (a file changed). */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const manifestPath = path.join(dir, 'manifest.json');
  const raw = await readFile(manifestPath).catch((e: unknown) => {
    throw new InferenceError('MODEL_NOT_FOUND', `${manifestPath}: cannot read the model manifest`, { cause: e, details: { dir } });
  });
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new InferenceError('MODEL_INVALID', `${manifestPath}: not JSON`, { cause: e });
  }
  const parsed = ModelManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new InferenceError(
      'MODEL_INVALID',
      `${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const manifest = parsed.data;
  const bytes: Record<'phase1' | 'phase2', Uint8Array> = { phase1: new Uint8Array(), phase2: new Uint8Array() };
  for (const key of ['phase1', 'phase2'] as const) {
    const f = manifest.files[key];
    const file = path.join(dir, f.path);
    const b = await readFile(file).catch((e: unknown) => {
      throw new InferenceError('MODEL_NOT_FOUND', `${file}: cannot read ${key} model`, { cause: e });
    });
    const digest = sha256(b);
    if (digest !== f.sha256)
      throw new InferenceError(
        'MODEL_CHECKSUM',
        `${file}: sha256 ${digest.slice(0, 12)}… does not match the manifest's ${f.sha256.slice(0, 12)}…`,
      );
    bytes[key] = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const want = options.executionProvider ?? (process.env.EMBOLUS_EXECUTION_PROVIDER as ExecutionProvider | 'auto' | undefined) ?? 'auto';
  let ep: ExecutionProvider = want === 'cuda' || (want === 'auto' && cudaProviderInstalled()) ? 'cuda' : 'cpu';
  let phase1: ort.InferenceSession;
  let phase2: ort.InferenceSession;
  try {
    phase1 = await session(bytes.phase1, ep, options);
    phase2 = await session(bytes.phase2, ep, options);
  } catch (e) {
    if (want === 'cuda')
      throw new InferenceError('SESSION_FAILED', `CUDA was requested but cannot be used: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    ep = 'cpu';
    try {
      phase1 = await session(bytes.phase1, 'cpu', options);
      phase2 = await session(bytes.phase2, 'cpu', options);
    } catch (e2) {
      throw new InferenceError(
        'SESSION_FAILED',
        `cannot create ONNX Runtime sessions for ${dir}: ${e2 instanceof Error ? e2.message : String(e2)}`,
        { cause: e2 },
      );
    }
  }
  return {
    dir,
    manifest,
    sha256: sha256(raw),
    phase1,
    phase2,
    executionProvider: ep,
    async release() {
      await phase1.release();
      await phase2.release();
    },
  };
}
