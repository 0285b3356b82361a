export { silentLogger, type Logger, type LogFn } from './logger.js';
export { redact, redactString, isSecretKey, type RedactOptions } from './redact.js';
export { redactUrl } from './redact-url.js';
export { redactingLogger, isRedactingLogger } from './redacting-logger.js';
