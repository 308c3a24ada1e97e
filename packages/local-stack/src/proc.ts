/**
 * Reading another process's memory from /proc (Linux), and a keep-alive HTTP client that costs
 * the load generator little, for the benches that measure `embolus-api serve` from outside.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';

/** A `kB` field of /proc/<pid>/status (NaN if it is missing). */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** What `watchRss` saw, in kB. */
export interface RssWatch {
  /** VmRSS when the watch began. */
  baselineKb: number;
  /** The highest VmRSS sampled. */
  sampledKb: number;
  /** VmHWM when the watch stopped (the kernel's peak since the reset). */
  hwmKb: number;
  /** Whether the peak could be reset (clear_refs); if not, `hwmKb` is the process's lifetime peak. */
  hwmReset: boolean;
}

/**
 * Starts watching `pid`'s resident memory: resets its peak (VmHWM, by writing 5 to clear_refs),
 * takes VmRSS as the baseline and samples VmRSS every `everyMs`. `stop()` ends the sampling and
 * reads the peak.
 */
export function watchRss(pid: number, everyMs = 5): { stop(): RssWatch } {
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const baselineKb = procStatusKb(pid, 'VmRSS');
  let sampledKb = baselineKb;
  const sampler = setInterval(() => {
    sampledKb = Math.max(sampledKb, procStatusKb(pid, 'VmRSS'));
  }, everyMs);
  return {
    stop() {
      clearInterval(sampler);
      return { baselineKb, sampledKb, hwmKb: procStatusKb(pid, 'VmHWM'), hwmReset };
    },
  };
}

/** One answer: its status, how many bytes it had, and those bytes where they were kept. */
export interface BenchResponse {
  status: number;
  bytes: number;
  body: Buffer;
}

/** A keep-alive client over node:http. */
export interface BenchHttp {
  /** One request; the answer's bytes are kept unless `keep` is false (then only counted). */
  send(base: string, method: string, p: string, headers: Record<string, string>, body?: Uint8Array, keep?: boolean): Promise<BenchResponse>;
  /** How many requests were sent again after a reused socket was reset (with `retryReset`). */
  retries(): number;
  destroy(): void;
}

/**
 * A lean keep-alive HTTP client: undici's fetch costs several times more CPU per request, and on
 * a small machine the load generator would then be measuring itself. With `retryReset`, a request
 * whose kept-alive socket the peer closed as it was reused is sent once more (Node's documented
 * pattern; only for idempotent requests), and counted.
 */
export function benchHttp(o: { maxSockets?: number; retryReset?: boolean } = {}): BenchHttp {
  const agent = new http.Agent({ keepAlive: true, ...(o.maxSockets ? { maxSockets: o.maxSockets } : {}) });
  let retries = 0;
  const send = (
    base: string,
    method: string,
    p: string,
    headers: Record<string, string>,
    body?: Uint8Array,
    keep = true,
    attempt = 0,
  ): Promise<BenchResponse> => {
    const u = new URL(base);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          method,
          path: p,
          agent,
          headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
        },
        (res) => {
          let bytes = 0;
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => {
            bytes += d.length;
            if (keep) chunks.push(d);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (o.retryReset && req.reusedSocket && e.code === 'ECONNRESET' && attempt === 0) {
          retries++;
          resolve(send(base, method, p, headers, body, keep, 1));
        } else reject(e);
      });
      req.end(body);
    });
  };
  return {
    send: (base, method, p, headers, body, keep) => send(base, method, p, headers, body, keep),
    retries: () => retries,
    destroy: () => agent.destroy(),
  };
}
