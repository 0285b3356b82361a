export * from './flows.js';
export * from './jwt.js';
export * from './session.js';
export * from './token-store.js';
