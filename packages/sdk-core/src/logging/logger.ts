/** One log method, pino-style: `(obj, msg?)` or `(msg)`. */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

/**
 * The logger relaykit writes to. A pino logger satisfies it as is; so does anything with these
 * methods. Every line relaykit writes passes through {@link redact} first.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose lines carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}

const noop = () => undefined;

/** A logger that writes nothing: the default, so an embedder's logs stay theirs. */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};
