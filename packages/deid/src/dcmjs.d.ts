// dcmjs ships no type declarations; src/dicom-io.ts types the part of it this package uses.
declare module 'dcmjs';
