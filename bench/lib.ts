import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Parses `--key value` / `--key=value` options after the bench name. */
export function benchArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  const argv = process.argv.slice(3);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const [k, v] = arg.slice(2).split('=', 2);
    if (v !== undefined) out[k!] = v;
    else if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) out[k!] = argv[++i]!;
    else out[k!] = 'true';
  }
  return out;
}

/** Numeric option with a default. */
export function numberArg(name: string, fallback: number): number {
  const raw = benchArgs()[name];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

/** Rounds to `digits` decimals for readable figures. */
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Writes the bench's figures to bench/results/<name>.json and prints them as the last line.
 * Call it last.
 */
export function reportBench(name: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ bench: name, ...figures, node: process.version, at: new Date().toISOString() });
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${name}.json`, `${line}\n`);
  console.log(line);
}
