export { silentLogger, type Logger, type LogFn } from './logger.js';
