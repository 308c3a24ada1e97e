/**
 * Bundles the harness page and its worker with esbuild into harness/dist (ignored by git).
 * @returns the paths the test server serves: `/`, `/page.js`, `/worker.js`
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function buildHarness(): Promise<Record<string, string>> {
  const out = path.join(here, 'dist');
  const common = { bundle: true, minify: true, target: 'chrome120', logLevel: 'warning', legalComments: 'none' } as const;
  await build({ ...common, entryPoints: [path.join(here, 'page.ts')], outfile: path.join(out, 'page.js'), format: 'esm' });
  // A classic worker script: works with `new Worker(url)` in every browser.
  await build({ ...common, entryPoints: [path.join(here, 'worker.ts')], outfile: path.join(out, 'worker.js'), format: 'iife' });
  return { '/': path.join(here, 'index.html'), '/page.js': path.join(out, 'page.js'), '/worker.js': path.join(out, 'worker.js') };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const files = await buildHarness();
  console.log(Object.values(files).join('\n'));
}
