export { parseLosslessJson, parseLosslessJsonWithSpans, stringifyLosslessJson, JsonNumber } from './lossless.js';
export { sourceTextOf } from './source-text.js';
export { JsonRecordSplitter } from './stream.js';
