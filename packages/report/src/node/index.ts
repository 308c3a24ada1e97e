/** Node-only parts of the report: the embedded fonts and the key images decoded from stored slices. */
export { type CollectKeyImagesInput, collectKeyImages, loadReportFonts } from './assets';
