/**
 * The runner image's startup command, run outside Docker (no Docker here): the Dockerfile's CMD
 * with its ENV (paths and ports overridden for the test) starts, reports health and drains on
 * SIGTERM, as `docker stop` would make it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, startApi, tempDir } from '@embolus/local-stack';

const tmp = tempDir('e2e-docker');
afterAll(() => tmp.cleanup());

/** The ENV key/values and the CMD array of the runner's Dockerfile. */
function dockerfile(): { env: Record<string, string>; cmd: string[]; healthcheck: string } {
  const text = readFileSync(path.join(ROOT, 'apps/gpu-runner/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const env: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const m of line.slice(4).matchAll(/([A-Z_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  const cmd = JSON.parse(
    text
      .split('\n')
      .find((l) => l.startsWith('CMD '))!
      .slice(4),
  ) as string[];
  return { env, cmd, healthcheck: text.split('\n').find((l) => l.startsWith('HEALTHCHECK'))! };
}

describe('the runner image’s startup command', () => {
  it('starts, serves health and drains on SIGTERM', async () => {
    const api = await startApi(path.join(tmp.dir, 'api'));
    try {
      const { env, cmd, healthcheck } = dockerfile();
      expect(cmd.slice(0, 2)).toEqual(['node', 'apps/gpu-runner/bin/embolus-runner.mjs']);
      expect(healthcheck).toContain(`127.0.0.1:${env.EMBOLUS_HEALTH_PORT}/healthz`);
      const child = spawn(process.execPath, cmd.slice(1), {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env,
          // What differs outside the container: writable folders, a free port, no ONNX CUDA download.
          EMBOLUS_WORK_DIR: path.join(tmp.dir, 'work'),
          EMBOLUS_DATA_ROOT: tmp.dir,
          EMBOLUS_HEALTH_PORT: '0',
          EMBOLUS_HEALTH_HOST: '127.0.0.1',
          EMBOLUS_API_URL: api.url,
          EMBOLUS_RUNNER_KEY: await api.key('runner'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
      const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 60_000);
        child.stdout.on('data', () => {
          const line = out.split('\n').find((l) => l.includes('"runner.started"'));
          if (line) clearTimeout(t), resolve(JSON.parse(line) as Record<string, unknown>);
        });
      });
      const health = (await (await fetch(`http://127.0.0.1:${started.port}/healthz`)).json()) as { status: string; concurrency: number };
      expect(health).toMatchObject({ status: 'idle', concurrency: 1 });
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.on('exit', r))).toBe(0);
      expect(out).toContain('"runner.stopped"');
    } finally {
      await api.close();
    }
  });
});
