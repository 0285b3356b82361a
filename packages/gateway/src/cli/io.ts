import type { Gateway } from '../gateway.js';

/** Where the CLI writes (tests capture it). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Called with the running gateway (tests stop it; the real CLI waits for a signal). */
  onStarted?(gateway: Gateway, url: string | undefined): void | Promise<void>;
  /** Stop on SIGTERM/SIGINT (default true; tests embedding the CLI turn it off). */
  signals?: boolean;
}
