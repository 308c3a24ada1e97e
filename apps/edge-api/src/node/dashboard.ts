/**
 * Serving the dashboard's static export (apps/dashboard/out) from the API's own origin on Node,
 * so the session cookie and `/v1` share one origin with no proxy (on Cloudflare, Workers static
 * assets do the same; see apps/dashboard/wrangler.toml). API paths never reach this handler.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The static export's HTML runs Next's inline bootstrap scripts, hence 'unsafe-inline' for
 * scripts; everything is fetched from this origin only, and no page may be framed.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Where `next build` puts the export in this repository. */
export function defaultDashboardDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard/out');
}

/** Whether `dir` holds a built dashboard. */
export function hasDashboard(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/** The file a URL path maps to inside `root`, or null (outside the root, or absent). */
export function resolveAsset(root: string, urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  const rel = p === '/' ? 'index.html' : p.replace(/^\/+/, '').replace(/\/+$/, '');
  for (const candidate of [rel, `${rel}.html`, path.join(rel, 'index.html')]) {
    const full = path.resolve(root, candidate);
    if (full !== root && !full.startsWith(root + path.sep)) return null;
    if (existsSync(full) && statSync(full).isFile()) return full;
  }
  return null;
}

/**
 * Wraps the API app: `/v1/*` and `/dicomweb/*` go to the API unchanged; any other GET or HEAD is
 * a file of the export (`/sign-in` → `sign-in.html`), or its 404 page.
 */
export function withDashboard(api: { fetch: (req: Request, ...rest: never[]) => Response | Promise<Response> }, dir: string): Hono {
  const root = path.resolve(dir);
  const app = new Hono();
  app.all('*', async (c) => {
    const p = c.req.path;
    if (
      p.startsWith('/v1/') ||
      p === '/v1' ||
      p.startsWith('/dicomweb/') ||
      p === '/dicomweb' ||
      (c.req.method !== 'GET' && c.req.method !== 'HEAD')
    ) {
      return api.fetch(c.req.raw, ...([c.env] as never[]));
    }
    const file = resolveAsset(root, p);
    const notFound = !file;
    const target = file ?? path.join(root, '404.html');
    if (!existsSync(target)) return c.text('not found', 404);
    const body = await readFile(target);
    const ext = path.extname(target);
    // Hashed build assets never change; HTML is re-checked so a new build shows at once.
    const cache = p.startsWith('/_next/static/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const headers = {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
      ...(ext === '.html' ? { 'content-security-policy': CSP } : {}),
    };
    return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status: notFound ? 404 : 200, headers });
  });
  return app;
}
