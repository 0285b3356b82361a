// Socket errors and the SQLSTATEs of PostgreSQL's "connection exception" class (08), shutdown and start-up (57P01–03),
// and too many connections (53300): the database cannot be reached now, through no fault of the request.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);

/** True when `error` says the database is unreachable (down, restarting, refusing connections), not that a query is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection error|the database system is/i.test(
    String(e?.message ?? ''),
  );
}
