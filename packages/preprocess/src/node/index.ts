export { encodeNpy, decodeNpy, writeNpy, readNpy, quantizeUint8, type NpyArray } from './npy';
export { readRsnaLayout, RSNA_COLUMNS, type RsnaStudy } from './rsna-layout';
export { parseSplit, splitOf, type Split } from './split';
export { preprocessFolder, preprocessLoaded, seriesAcquisition, type LoadedStudy } from './preprocess-folder';
export { buildCache, defaultCacheWorkers, CACHE_SETTINGS, type CacheIndexLine, type CacheProgress } from './cache';
