// Worker threads ignore `--import`: register tsx before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
