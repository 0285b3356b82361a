/**
 * Polls `check` every `intervalMs` (default 25) until it returns a truthy value, and resolves with that value; fails
 * with "timed out waiting for <what>" after `timeoutMs` (default 20 s). For tests that wait on another process or
 * a database rather than on a fixed sleep.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const end = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
