/**
 * Parses a `Retry-After` header value into milliseconds from `now`: delta-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past gives 0. Returns undefined when
 * the header is absent or unparsable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Some upstreams send fractional seconds; accept them leniently.
  if (/^\d*\.\d+$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date always names its day and month; this keeps Date.parse from reading "-5" as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
