/**
 * The model versions a runner can run: model folders given on the command line (the first one
 * is the default when the API has no active version), plus versions registered by training jobs,
 * downloaded from the API into a cache folder and checked against their manifest's sha256s.
 * Loaded sessions are kept (a few at most) because loading costs far more than one study.
 * Downloaded versions are cached and loaded by version *and* registered sha256: a platform
 * runner serves many tenants, and two tenants may register different weights under one name.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_FILES } from '@embolus/shared';
import { loadModel, type LoadedModel, type LoadOptions } from '@embolus/inference';
import type { ApiClient, DeployedModel, JobRef } from './api';
import { RunnerError } from './errors';

/** Local model folders by version, the default version, a download cache and loaded sessions. */
export class ModelStore {
  private readonly local = new Map<string, string>();
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  private defaultVersion: string | null = null;

  constructor(
    private readonly dirs: string[],
    private readonly cacheDir: string,
    private readonly load: LoadOptions = {},
    private readonly keep = 3,
  ) {}

  /** Reads the manifests of the local folders (the first is the default). */
  async init(): Promise<void> {
    for (const dir of this.dirs) {
      const m = await readFile(path.join(dir, 'manifest.json'), 'utf8').catch(() => null);
      if (!m) throw new RunnerError('USAGE', `--model-dir ${dir}: no manifest.json`);
      const version = (JSON.parse(m) as { version?: string }).version;
      if (!version) throw new RunnerError('USAGE', `--model-dir ${dir}: the manifest has no version`);
      this.local.set(version, path.resolve(dir));
      this.defaultVersion ??= version;
    }
  }

  /** The version used when neither the job nor the API names one. */
  get fallback(): string | null {
    return this.defaultVersion;
  }

  /** Versions whose sessions are loaded, with their execution provider. */
  async loadedModels(): Promise<{ version: string; executionProvider: string }[]> {
    const out = [];
    for (const [version, p] of this.loaded) {
      const m = await p.catch(() => null);
      if (m) out.push({ version, executionProvider: m.executionProvider });
    }
    return out;
  }

  /**
   * The loaded model `version` (null: the default). `deployed` says whether the API can serve
   * the files and which manifest sha256 they must have; `job` is the held job they are read for.
   */
  get(version: string | null, api: ApiClient, job: JobRef, deployed?: DeployedModel): Promise<LoadedModel> {
    const v = version ?? this.defaultVersion;
    if (!v)
      throw new RunnerError('MODEL_UNAVAILABLE', 'no model version was named and this runner has no --model-dir', { retryable: true });
    // Local folders are the operator's choice for a name; downloads are told apart by content.
    const key = this.local.has(v) || !deployed ? v : `${v}@${deployed.sha256}`;
    let p = this.loaded.get(key);
    if (!p) {
      p = this.open(v, api, job, deployed);
      this.loaded.set(key, p);
      p.catch(() => this.loaded.delete(key));
      void this.evict();
    }
    return p;
  }

  private async open(version: string, api: ApiClient, job: JobRef, deployed?: DeployedModel): Promise<LoadedModel> {
    let dir = this.local.get(version);
    if (!dir) {
      const name = deployed ? `${version}_${deployed.sha256.slice(0, 16)}` : version;
      dir = path.join(this.cacheDir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
      if (!existsSync(path.join(dir, 'manifest.json'))) {
        if (!deployed?.downloadable)
          throw new RunnerError('MODEL_UNAVAILABLE', `model version ${version} is not on this runner and the API has no files for it`, {
            retryable: true,
            details: { modelVersion: version },
          });
        await this.download(version, dir, api, job);
      }
    }
    const model = await loadModel(dir, this.load);
    if (deployed && deployed.sha256 !== model.sha256 && !this.local.has(version)) {
      await model.release();
      await rm(dir, { recursive: true, force: true });
      throw new RunnerError('MODEL_UNAVAILABLE', `model version ${version}: downloaded manifest does not match the registered sha256`, {
        retryable: true,
      });
    }
    return model;
  }

  /** Downloads into a temporary folder renamed into place, so a crash never leaves half a model. */
  private async download(version: string, dir: string, api: ApiClient, job: JobRef): Promise<void> {
    const tmp = `${dir}.part-${process.pid}`;
    await mkdir(tmp, { recursive: true });
    const query = `?job=${encodeURIComponent(job.id)}`;
    for (const f of MODEL_FILES)
      await writeFile(path.join(tmp, f), await api.bytes(`/v1/runner/models/${encodeURIComponent(version)}/files/${f}${query}`, job.lease));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  }

  /** Releases the oldest loaded versions beyond `keep` (the default is kept). */
  private async evict(): Promise<void> {
    const victims = [...this.loaded.keys()].filter((v) => v !== this.defaultVersion).slice(0, Math.max(0, this.loaded.size - this.keep));
    for (const v of victims) {
      const p = this.loaded.get(v);
      this.loaded.delete(v);
      // Running jobs hold the promise; ORT refuses runs on a released session, so wait briefly.
      setTimeout(() => void p?.then((m) => m.release()).catch(() => undefined), 60_000).unref();
    }
  }

  /** Releases every session. */
  async close(): Promise<void> {
    for (const p of this.loaded.values()) await p.then((m) => m.release()).catch(() => undefined);
    this.loaded.clear();
  }
}
