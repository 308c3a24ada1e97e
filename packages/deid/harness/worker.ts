// The harness's worker script: the package's worker entry, bundled on its own.
import '../src/worker';
