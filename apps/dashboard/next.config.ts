import path from 'node:path';
import type { NextConfig } from 'next';

/**
 * A static export (`out/`): every page is plain HTML + JS that fetches /v1 from the same origin,
 * so the API can serve it on Node (src/node/dashboard.ts in the edge API) and Workers static
 * assets can serve it on Cloudflare (wrangler.toml here). No Next server runs in production.
 */
const config: NextConfig = {
  output: 'export',
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
  // `npm run typecheck` (tsc, a turbo task of its own) checks types; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  // cornerstone's WASM codecs name `fs` and `path` for Node only; the browser build gets an empty module.
  turbopack: { root: path.join(__dirname, '../..'), resolveAlias: { fs: { browser: './empty.ts' }, path: { browser: './empty.ts' } } },
};

export default config;
