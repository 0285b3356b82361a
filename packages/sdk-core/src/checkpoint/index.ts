export type * from './types.js';
export { encodeCursor, decodeCursor } from './types.js';
