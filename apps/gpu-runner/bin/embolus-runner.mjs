#!/usr/bin/env node
// Launcher for `embolus-runner`, the job runner: runs the TypeScript sources through tsx (a
// long-lived process, so tsx's start-up does not matter here).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
