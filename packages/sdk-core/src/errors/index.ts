// The base hierarchy lives in base.ts so that error files (http.ts, ...) can extend it without an
// import cycle through this index.
export * from './base.js';
export * from './http.js';
