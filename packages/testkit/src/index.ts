/**
 * Builders for tests and benchmarks, in any runtime (Node, workerd): the DICOM writer and
 * synthetic CT instances, hostile zips. Node-only pieces are subpaths: `./bombs` (node:zlib), `./dcmtk` (processes, sockets) and
 * `./files` (file walks).
 */
export { concat, ctImage, part10, rawDataset, type El, type Encoding } from './dicom-writer';
export { ctSlice, ctStudy, multipart, nestedSequence, uid } from './ct';
export { buildZip, crc32, type RawEntry } from './zip';
export { mulberry32 } from './random';
