export * from './labels';
export * from './errors';
export * from './consistency';
export * from './result';
export * from './confidentiality-profile';
