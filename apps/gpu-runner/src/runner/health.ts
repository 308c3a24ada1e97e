/**
 * The runner's health endpoint (`GET /healthz`, loopback by default): state, active jobs and
 * their stages, counters, API reachability and backoff, the API's queue depth, loaded models and
 * the execution provider / GPU state. 200 while the runner works or idles, 503 while it drains
 * or cannot reach the API.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cudaProviderInstalled } from '@embolus/inference';

/** GPUs as nvidia-smi reports them; empty without a driver. */
export interface GpuInfo {
  name: string;
  memoryUsedMiB: number;
  memoryTotalMiB: number;
  utilizationPercent: number;
}

let gpuCache: { at: number; value: GpuInfo[] } | null = null;

/** Parses `nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(out: string): GpuInfo[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      // The name may itself contain commas: the three numbers are the last three fields.
      const parts = l.split(',').map((x) => x.trim());
      const [used, total, util] = parts.slice(-3).map(Number);
      return {
        name: parts.slice(0, -3).join(', '),
        memoryUsedMiB: used ?? NaN,
        memoryTotalMiB: total ?? NaN,
        utilizationPercent: Number.isFinite(util) ? util! : NaN,
      };
    });
}

/** Queries nvidia-smi (cached 10 s, 2 s timeout); [] where there is none. */
export function gpus(): Promise<GpuInfo[]> {
  if (gpuCache && Date.now() - gpuCache.at < 10_000) return Promise.resolve(gpuCache.value);
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.used,memory.total,utilization.gpu', '--format=csv,noheader,nounits'],
      { timeout: 2000 },
      (err, out) => {
        const value = err ? [] : parseNvidiaSmi(out);
        gpuCache = { at: Date.now(), value };
        resolve(value);
      },
    );
  });
}

/** The snapshot the runner gives the endpoint. */
export type HealthSnapshot = () => Promise<Record<string, unknown> & { status: string }>;

/** Serves `snapshot` on `port` (0: any); resolves with the server and its port. */
export async function serveHealth(port: number, host: string, snapshot: HealthSnapshot): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/healthz' && req.url !== '/health')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    snapshot()
      .then(async (s) => {
        const body = { ...s, gpu: { cudaProviderInstalled: cudaProviderInstalled(), devices: await gpus() }, notForClinicalUse: true };
        res
          .writeHead(s.status === 'ok' || s.status === 'idle' || s.status === 'working' ? 200 : 503, {
            'content-type': 'application/json',
            'cache-control': 'no-store',
          })
          .end(JSON.stringify(body));
      })
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : port };
}
