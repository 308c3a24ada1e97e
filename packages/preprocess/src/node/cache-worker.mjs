// A training-cache worker thread (buildCache with workers > 1). Plain JavaScript because a worker
// does not inherit the TypeScript loader that the main thread was started with: it registers tsx
// itself, then runs one CacheJob per message and answers with its CacheJobResult.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCacheJob } = await import('./cache-study.ts');
parentPort.on('message', async (job) => parentPort.postMessage(await runCacheJob(job)));
parentPort.postMessage('ready');
