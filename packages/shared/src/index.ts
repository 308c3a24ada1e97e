export * from './labels';
export * from './errors';
export * from './consistency';
export * from './decision';
export * from './result';
export * from './result-decisions';
export * from './quality';
export * from './backoff';
