export { parseDuration, parseSize } from './duration.js';
