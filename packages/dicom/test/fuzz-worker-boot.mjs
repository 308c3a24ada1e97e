// Worker threads ignore `--import`, so register tsx here before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./fuzz-worker.ts');
