import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Options of {@link spawnTsxWorker}. */
export interface TsxWorkerOptions {
  /** The TypeScript entry: an absolute path or a `file:` URL (e.g. `new URL('./x.worker.ts', import.meta.url)`). */
  script: string | URL;
  /** Arguments after the script. */
  args?: readonly string[];
  /** Variables set over `process.env` (`undefined` removes one). */
  env?: Record<string, string | undefined>;
  /**
   * Working directory. Default: the workspace root above the script (the nearest `package.json` with
   * `workspaces`), where `--import tsx` resolves and the root tsconfig maps `@relaykit/*` to sources.
   */
  cwd?: string;
  /** Name in error messages (default: the script's file name). */
  name?: string;
  /** The worker is SIGKILLed and counted as failed after this long (default 120 s): a hung worker fails the test loudly. */
  timeoutMs?: number;
}

/** How a worker ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when it ended because of {@link TsxWorker.kill}. */
  killed: boolean;
  /** True when it was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

/** A worker failed: non-zero exit, a signal nobody sent, a timeout, or no JSON result. Carries what it printed. */
export class WorkerFailedError extends Error {
  constructor(
    message: string,
    readonly exit: WorkerExit | undefined,
    readonly stderr: string,
    readonly stdout: readonly string[],
  ) {
    super(message);
    this.name = 'WorkerFailedError';
  }
}

/** One `node --import tsx <script>` child process with line-based stdout. */
export interface TsxWorker {
  readonly name: string;
  readonly child: ChildProcess;
  /** Complete stdout lines printed so far. */
  readonly lines: readonly string[];
  /** Everything printed on stderr so far. */
  readonly stderr: string;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<WorkerExit>;
  /** Calls `listener` for each stdout line printed from now on. */
  onLine(listener: (line: string) => void): void;
  /** Resolves with the first stdout line (already printed or to come) that matches; rejects if the worker exits first. */
  waitForLine(match: string | RegExp | ((line: string) => boolean)): Promise<string>;
  /** Writes one line to the worker's stdin (an object is sent as JSON). */
  send(line: string | object): void;
  /** Closes the worker's stdin, after a last line when given. */
  end(line?: string | object): void;
  /** Resolves when the worker exits with 0 or by a {@link kill}; rejects with a {@link WorkerFailedError} (stderr included) otherwise. */
  finished(): Promise<WorkerExit>;
  /** Its result: the last stdout line that is JSON, parsed, once it exited with 0. Rejects loudly otherwise. */
  result<T = unknown>(): Promise<T>;
  /** Sends `signal` (default SIGKILL); the resulting exit counts as expected. No-op once it exited. */
  kill(signal?: NodeJS.Signals): void;
}

const roots = new Map<string, string>();

/** The nearest ancestor of `dir` whose package.json declares `workspaces` (`dir` itself when there is none). */
export function workspaceRoot(dir: string): string {
  const cached = roots.get(dir);
  if (cached) return cached;
  let current = dir;
  for (;;) {
    const manifest = join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces) break;
      } catch {
        /* an unreadable manifest is not the root */
      }
    }
    const parent = dirname(current);
    if (parent === current) {
      current = dir;
      break;
    }
    current = parent;
  }
  roots.set(dir, current);
  return current;
}

const asLine = (line: string | object) => `${typeof line === 'string' ? line : JSON.stringify(line)}\n`;
const tail = (text: string, max = 4000) => (text.length > max ? `…${text.slice(-max)}` : text);

/**
 * Spawns `node --import tsx <script>` for multi-process tests (rate limits shared through Redis, one
 * session refresh across workers, a sync killed with SIGKILL). Collects stdout by line; a failure
 * rejects with the worker's stderr, so a crash in a child reads like a crash in the test.
 *
 * @example
 * ```ts
 * const workers = spawnTsxWorkers(4, (id) => ({ script: new URL('./limit.worker.ts', import.meta.url), env: { RELAYKIT_WORKER: JSON.stringify({ id }) } }));
 * try {
 *   await Promise.all(workers.map((w) => w.waitForLine(/"ready"/)));
 *   for (const w of workers) w.end({ startAt: Date.now() + 100 });
 *   const results = await Promise.all(workers.map((w) => w.result<{ admissions: number[] }>()));
 * } finally {
 *   killWorkers(workers);
 * }
 * ```
 */
export function spawnTsxWorker(options: TsxWorkerOptions): TsxWorker {
  const script =
    options.script instanceof URL || options.script.startsWith('file:')
      ? fileURLToPath(options.script)
      : options.script;
  const name = options.name ?? basename(script);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...(options.args ?? [])], {
    cwd: options.cwd ?? workspaceRoot(dirname(script)),
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let stderr = '';
  let killed = false;
  let timedOut = false;
  let spawnError: Error | undefined;
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A worker may exit without reading its stdin: writing to it then must not crash the test.
  child.stdin!.on('error', () => undefined);
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      if (child.exitCode === null && child.pid === undefined) resolve({ code: null, signal: null, killed, timedOut });
    });
    // 'close' (not 'exit'): every stdout line has been read by then.
    child.once('close', (code, signal) => resolve({ code, signal, killed, timedOut }));
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  timer.unref();
  void exited.then(() => clearTimeout(timer));

  const failure = (what: string, exit: WorkerExit | undefined) =>
    new WorkerFailedError(
      `worker ${name} ${what}${spawnError ? `: ${spawnError.message}` : ''}\n--- stderr ---\n${tail(stderr) || '(empty)'}\n--- last stdout lines ---\n${lines.slice(-5).join('\n') || '(none)'}`,
      exit,
      stderr,
      lines,
    );
  const explain = (exit: WorkerExit) =>
    exit.timedOut
      ? `timed out after ${options.timeoutMs ?? 120_000} ms`
      : exit.signal
        ? `was killed by ${exit.signal}`
        : exit.code === null
          ? 'could not start'
          : `exited with code ${exit.code}`;

  const finished = async (): Promise<WorkerExit> => {
    const exit = await exited;
    if (exit.timedOut || spawnError || !(exit.code === 0 || exit.killed)) throw failure(explain(exit), exit);
    return exit;
  };

  return {
    name,
    child,
    lines,
    get stderr() {
      return stderr;
    },
    exited,
    onLine: (listener) => {
      listeners.add(listener);
    },
    waitForLine(match) {
      const test =
        typeof match === 'function'
          ? match
          : typeof match === 'string'
            ? (l: string) => l.includes(match)
            : (l: string) => match.test(l);
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const listener = (line: string) => {
          if (!test(line)) return;
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void exited.then((exit) => {
          if (!listeners.delete(listener)) return;
          reject(failure(`${explain(exit)} before printing a line matching ${String(match)}`, exit));
        });
      });
    },
    send(line) {
      child.stdin!.write(asLine(line));
    },
    end(line) {
      child.stdin!.end(line === undefined ? undefined : asLine(line));
    },
    finished,
    async result<T>() {
      const exit = await finished();
      if (exit.code !== 0) throw failure(`${explain(exit)} before printing its result`, exit);
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i]!.trim();
        if (!line.startsWith('{') && !line.startsWith('[')) continue;
        try {
          return JSON.parse(line) as T;
        } catch {
          /* not JSON after all: look further up */
        }
      }
      throw failure('exited with 0 but printed no JSON line', exit);
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killed = true;
      child.kill(signal);
    },
  };
}

/** {@link spawnTsxWorker} `count` times; `options(i)` gives worker `i` its options. */
export function spawnTsxWorkers(count: number, options: (index: number) => TsxWorkerOptions): TsxWorker[] {
  return Array.from({ length: count }, (_, i) => spawnTsxWorker({ name: `${i}`, ...options(i) }));
}

/** Kills every worker still running (for `finally` blocks). */
export function killWorkers(workers: ReadonlyArray<TsxWorker>, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const w of workers) w.kill(signal);
}

/**
 * Runs `count` workers to the end and resolves with each one's JSON result, in order. The first failure
 * kills the others and rejects with its stderr.
 */
export async function runTsxWorkers<T>(count: number, options: (index: number) => TsxWorkerOptions): Promise<T[]> {
  const workers = spawnTsxWorkers(count, options);
  try {
    return await Promise.all(workers.map((w) => w.result<T>()));
  } finally {
    killWorkers(workers);
  }
}
