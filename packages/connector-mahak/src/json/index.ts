export { parseLosslessJson, stringifyLosslessJson, JsonNumber } from './lossless.js';
