import type { LogFn, Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { redact, redactString, type RedactOptions } from './redact.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

/** Brand so a logger is never wrapped twice (double redaction is harmless but wasted work). */
const REDACTING = Symbol.for('relaykit.redactingLogger');

/** Loggers that can say which levels they write (pino's `isLevelEnabled`). */
interface LevelAware {
  isLevelEnabled?(level: string): boolean;
}

/** True for a logger made by {@link redactingLogger}. */
export function isRedactingLogger(logger: Logger): boolean {
  return (logger as unknown as Record<symbol, unknown>)[REDACTING] === true;
}

/**
 * Wraps `logger` so every line passes through {@link redact}: the merge object deeply, the
 * message as a string, and child bindings too. relaykit wraps every logger it is given with this,
 * so secrets and (when configured) personal data never reach the embedder's log sink.
 * Lines at levels the underlying logger drops (pino's `isLevelEnabled`) are not redacted at all,
 * so debug lines cost nothing in production.
 */
export function redactingLogger(logger: Logger, redactOptions: RedactOptions = {}): Logger {
  if (logger === silentLogger || isRedactingLogger(logger)) return logger;
  // Log lines cut long strings (an HTML error page, a big body) unless told otherwise.
  const options: RedactOptions =
    redactOptions.maxStringLength === undefined ? { ...redactOptions, maxStringLength: 8_192 } : redactOptions;
  const aware = logger as Logger & LevelAware;
  const wrapped = { [REDACTING]: true } as unknown as Logger & Record<symbol, unknown>;
  for (const level of LEVELS) {
    const target = logger[level];
    const fn = function (this: unknown, objOrMsg: Record<string, unknown> | string, msg?: string, ...rest: unknown[]) {
      if (typeof aware.isLevelEnabled === 'function' && !aware.isLevelEnabled(level)) return;
      if (typeof objOrMsg === 'string') {
        (target as (...args: unknown[]) => void).call(
          logger,
          redactString(objOrMsg, options),
          ...redact([msg, ...rest], options).filter((v, i) => i > 0 || v !== undefined),
        );
        return;
      }
      const obj = redact(objOrMsg, options);
      if (msg === undefined) (target as (...args: unknown[]) => void).call(logger, obj);
      else
        (target as (...args: unknown[]) => void).call(
          logger,
          obj,
          redactString(String(msg), options),
          ...redact(rest, options),
        );
    } as LogFn;
    (wrapped as unknown as Record<Level, LogFn>)[level] = fn;
  }
  wrapped.child = (bindings: Record<string, unknown>) =>
    redactingLogger(logger.child(redact(bindings, options)), redactOptions);
  return wrapped;
}
