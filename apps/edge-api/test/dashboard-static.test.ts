/**
 * The dashboard's static export served beside the API from one origin on Node.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveAsset, withDashboard } from '../src/node/dashboard';
import { harness } from './helpers/harness';

const h = harness();
const base = mkdtempSync(path.join(tmpdir(), 'embolus-dash-static-'));
const root = path.join(base, 'out');
mkdirSync(path.join(root, '_next/static/chunks'), { recursive: true });
writeFileSync(path.join(root, 'index.html'), '<h1>worklist</h1>');
writeFileSync(path.join(root, 'sign-in.html'), '<h1>sign in</h1>');
writeFileSync(path.join(root, '404.html'), '<h1>not found</h1>');
writeFileSync(path.join(root, '_next/static/chunks/app.js'), 'console.log(1)');
writeFileSync(path.join(base, 'secret.txt'), 'outside the export');
const app = withDashboard(h.app, root);
afterAll(() => {
  h.close();
  rmSync(base, { recursive: true, force: true });
});

describe('dashboard assets on Node', () => {
  it('serves pages by clean URL with a CSP, and hashed assets as immutable', async () => {
    const index = await app.request('/');
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('worklist');
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const signIn = await app.request('/sign-in');
    expect(await signIn.text()).toContain('sign in');
    const js = await app.request('/_next/static/chunks/app.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('answers the export’s 404 page for unknown paths and never leaves the export folder', async () => {
    for (const p of ['/nope', '/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(404);
      expect(await res.text(), p).not.toContain('outside the export');
    }
    expect(resolveAsset(root, '/..%2fsecret.txt')).toBeNull();
  });

  it('passes /v1 and every non-GET request to the API', async () => {
    expect(await (await app.request('/v1/health')).json()).toMatchObject({ status: 'ok' });
    const post = await app.request('/', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await app.request('/v1/studies')).status).toBe(401);
  });
});
