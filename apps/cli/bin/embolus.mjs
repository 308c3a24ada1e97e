#!/usr/bin/env node
// Launcher for the `embolus` CLI. Commands in the prebuilt bundle (bin/bundle.mjs: dist/, rebuilt
// here whenever a source it came from changed) run from it; every other command, or any command
// when the bundle cannot be built or EMBOLUS_NO_BUNDLE=1, runs the TypeScript sources through tsx.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);

async function fromBundle() {
  if (process.env.EMBOLUS_NO_BUNDLE === '1' || !argv[0] || argv[0].startsWith('-')) return undefined;
  const { buildBundle, currentBundle } = await import('./bundle.mjs');
  let bundle = currentBundle();
  // A command the bundle does not hold never waits for a build.
  if (bundle && !bundle.commands.includes(argv[0])) return undefined;
  if (!bundle?.fresh) bundle = await buildBundle().catch(() => undefined);
  if (!bundle?.commands.includes(argv[0])) return undefined;
  const { runBundled } = await import(pathToFileURL(path.join(bundle.dir, 'bundled.mjs')).href);
  return runBundled;
}

const runBundled = await fromBundle();
if (runBundled) {
  process.exitCode = await runBundled(argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli.ts');
  process.exitCode = await main(argv);
}
