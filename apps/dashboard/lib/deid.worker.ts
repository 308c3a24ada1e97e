// The upload page's parsing worker: @embolus/deid's worker entry (dcmjs lives only in this bundle).
import '@embolus/deid/worker';
