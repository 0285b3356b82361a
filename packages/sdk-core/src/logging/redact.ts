/** Options of {@link redact} and {@link redactingLogger}. */
export interface RedactOptions {
  /** Mask phone numbers (8–15 digits, optionally with `+`, spaces, dots, dashes, brackets) in strings. Default false. */
  maskPhones?: boolean;
  /** Mask the local part of e-mail addresses in strings. Default false. */
  maskEmails?: boolean;
  /** More key names whose values are always hidden (matched case-insensitively, ignoring `-` and `_`). */
  keys?: readonly string[];
  /** Replacement for hidden values. Default `[REDACTED]`. */
  censor?: string;
  /** Objects nested deeper than this are replaced by `[Object]`. Default 8. */
  maxDepth?: number;
  /**
   * Strings longer than this are cut (after masking, so a cut never exposes half a secret).
   * Default: no limit for {@link redact}, 8,192 characters for `redactingLogger`.
   */
  maxStringLength?: number;
}

/**
 * Key names (lower-cased, without `-` and `_`) whose values are secrets. Covers auth and cookie
 * headers, API-gateway keys (Azure APIM's `Ocp-Apim-Subscription-Key`), OAuth fields and passwords.
 */
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'xauthtoken',
  'ocpapimsubscriptionkey',
  'subscriptionkey',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'password',
  'passwd',
  'pwd',
  'secret',
  'clientsecret',
  'assertion',
  'clientassertion',
  'privatekey',
  'sessionid',
  'sid',
  'signature',
  'xhubsignature',
  'xhubsignature256',
  'appsecret',
  'code',
]);
/** Suffixes that mark a secret whatever the prefix (`sfAccessToken`, `webhook_secret`, `db_password`). */
const SECRET_SUFFIXES = ['token', 'secret', 'password', 'apikey', 'privatekey', 'subscriptionkey', 'credentials'];

const normaliseKey = (key: string) => key.replace(/[-_\s]/g, '').toLowerCase();

function isSecretKeyNormalised(k: string, extra: ReadonlySet<string> | undefined): boolean {
  if (SECRET_KEYS.has(k) || extra?.has(k)) return true;
  for (const suffix of SECRET_SUFFIXES) if (k.endsWith(suffix)) return true;
  return false;
}

/** True when values under `key` are hidden by {@link redact} (e.g. `Authorization`, `client_secret`). */
export function isSecretKey(key: string, options: Pick<RedactOptions, 'keys'> = {}): boolean {
  return isSecretKeyNormalised(normaliseKey(key), options.keys ? new Set(options.keys.map(normaliseKey)) : undefined);
}

// `code` is a secret as an OAuth query/form parameter but a harmless field name in error objects,
// so object keys named `code` stay visible while `?code=` in URLs and form bodies is masked.
const VISIBLE_OBJECT_KEYS = new Set(['code']);

const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Token|SharedAccessSignature|OAuth)\s+[A-Za-z0-9._~+/=:%-]{6,}/gi;
const QUERY_PAIR = /(^|[?&;\s])([^=&#\s?;]+)=([^&#\s;]*)/g;
const JSON_PAIR = /"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
// A whole run of digits grouped by single spaces or dashes; maskPans looks for card numbers in it.
const PAN = /(?<![\d])\d(?:[ -]?\d){12,}(?![\d])/g;
const EMAIL = /([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /(?<![\w+])\+?\(?\d[\d\s().-]{6,20}\d(?![\w])/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const maskDigits = (digits: string) => `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;

/**
 * Masks card numbers inside one run of digit groups. The run may hold more than a card number
 * (`ref 7 4111 1111 1111 1111`), so when the whole run is not one, every span of whole groups
 * with 13–19 digits passing Luhn is masked — all of them: over-masking a reference number beats
 * leaking a card. Each masked stretch keeps its last 4 digits.
 */
function maskPans(run: string): string {
  const all = run.replace(/[ -]/g, '');
  if (all.length < 13) return run;
  if (all.length >= 13 && all.length <= 19 && luhnValid(all)) return maskDigits(all);
  const groups = [...run.matchAll(/\d+/g)];
  if (groups.length < 2) return run;
  const covered = new Array<boolean>(groups.length).fill(false);
  let any = false;
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length; j++) {
      digits += groups[j]![0];
      if (digits.length > 19) break;
      if (digits.length >= 13 && luhnValid(digits)) {
        for (let k = i; k <= j; k++) covered[k] = true;
        any = true;
      }
    }
  }
  if (!any) return run;
  let out = '';
  let cursor = 0;
  for (let i = 0; i < groups.length; i++) {
    if (!covered[i]) continue;
    let j = i;
    while (j + 1 < groups.length && covered[j + 1]) j++;
    const start = groups[i]!.index;
    const end = groups[j]!.index + groups[j]![0].length;
    out += run.slice(cursor, start) + maskDigits(run.slice(start, end).replace(/[ -]/g, ''));
    cursor = end;
    i = j;
  }
  return out + run.slice(cursor);
}

interface Compiled {
  censor: string;
  maskPhones: boolean;
  maskEmails: boolean;
  extra: ReadonlySet<string> | undefined;
  maxDepth: number;
  maxStringLength: number;
}

const compiledCache = new WeakMap<RedactOptions, Compiled>();
const DEFAULTS: Compiled = {
  censor: '[REDACTED]',
  maskPhones: false,
  maskEmails: false,
  extra: undefined,
  maxDepth: 8,
  maxStringLength: Infinity,
};

function compile(options: RedactOptions | undefined): Compiled {
  if (!options) return DEFAULTS;
  let c = compiledCache.get(options);
  if (!c) {
    c = {
      censor: options.censor ?? '[REDACTED]',
      maskPhones: options.maskPhones === true,
      maskEmails: options.maskEmails === true,
      extra: options.keys?.length ? new Set(options.keys.map(normaliseKey)) : undefined,
      maxDepth: options.maxDepth ?? 8,
      maxStringLength: options.maxStringLength ?? Infinity,
    };
    compiledCache.set(options, c);
  }
  return c;
}

function scrub(text: string, c: Compiled): string {
  // Cheap pre-checks keep the common case (short messages without digits or separators) fast.
  let out = text;
  if (/\s/.test(out)) out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${c.censor}`);
  if (out.includes('=')) {
    out = out.replace(QUERY_PAIR, (m, lead: string, key: string) => {
      let k: string;
      try {
        k = normaliseKey(decodeURIComponent(key));
      } catch {
        k = normaliseKey(key);
      }
      return isSecretKeyNormalised(k, c.extra) ? `${lead}${key}=${c.censor}` : m;
    });
  }
  if (out.includes('"')) {
    out = out.replace(JSON_PAIR, (m, key: string, sep: string) => {
      const k = normaliseKey(key);
      return !VISIBLE_OBJECT_KEYS.has(k) && isSecretKeyNormalised(k, c.extra) ? `"${key}"${sep}"${c.censor}"` : m;
    });
  }
  if (/\d{4}/.test(out) || /\d[ -]\d/.test(out)) {
    out = out.replace(PAN, maskPans);
  }
  if (c.maskEmails && out.includes('@')) {
    out = out.replace(EMAIL, (_m, _local: string, domain: string) => `***@${domain}`);
  }
  if (c.maskPhones) {
    out = out.replace(PHONE, (m) => {
      // Dates and IPv4 addresses look like digit runs too; they are not personal data.
      if (ISO_DATE.test(m) || IPV4.test(m)) return m;
      const digits = m.replace(/\D/g, '');
      if (digits.length < 8 || digits.length > 15) return m;
      return `${m.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
    });
  }
  return out;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more chars]`;
}

function walk(value: unknown, c: Compiled, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return cut(scrub(value, c), c.maxStringLength);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return scrub(value.toString(), c);
    return value;
  }
  if (seen.has(value)) return '[Circular]';
  if (depth >= c.maxDepth) return '[Object]';
  seen.add(value);
  try {
    if (value instanceof Error) return walkError(value, c, depth, seen);
    if (Array.isArray(value)) return value.map((v) => walk(v, c, depth + 1, seen));
    if (value instanceof Date) return value;
    if (value instanceof URL) return scrub(value.href, c);
    if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
    if (value instanceof Map) return walkEntries(value.entries(), c, depth, seen);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function' && !isPlainObject(value)) {
      return walk((value as { toJSON(): unknown }).toJSON(), c, depth, seen);
    }
    return walkEntries(Object.entries(value), c, depth, seen);
  } finally {
    seen.delete(value);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function walkEntries(
  entries: Iterable<[unknown, unknown]>,
  c: Compiled,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of entries) {
    const key = String(rawKey);
    const k = normaliseKey(key);
    out[key] =
      !VISIBLE_OBJECT_KEYS.has(k) && isSecretKeyNormalised(k, c.extra) && v !== undefined && v !== null
        ? c.censor
        : walk(v, c, depth + 1, seen);
  }
  return out;
}

function walkError(error: Error, c: Compiled, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  // pino's `err` serializer shape (type, message, stack) plus the error's own enumerable fields,
  // every one redacted: messages and stacks can quote URLs or bodies.
  const out: Record<string, unknown> = { type: error.name, message: scrub(error.message, c) };
  if (error.stack) out.stack = scrub(error.stack, c);
  for (const [key, v] of Object.entries(error)) {
    const k = normaliseKey(key);
    out[key] =
      !VISIBLE_OBJECT_KEYS.has(k) && isSecretKeyNormalised(k, c.extra) && v !== undefined && v !== null
        ? c.censor
        : walk(v, c, depth + 1, seen);
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined) out.cause = walk(cause, c, depth + 1, seen);
  return out;
}

/**
 * Returns a deep copy of `value` that is safe to log: values under secret keys (Authorization,
 * Cookie, Set-Cookie, API keys such as `Ocp-Apim-Subscription-Key`, token, access_token,
 * refresh_token, password, client_secret, assertion, ...) are replaced by the censor; inside every
 * string, bearer credentials, secret query-string or form parameters (`?access_token=...`),
 * secret JSON fields and Luhn-valid card numbers (last 4 kept) are masked, and with
 * `maskEmails` / `maskPhones` also e-mail addresses and phone numbers.
 *
 * @example
 * ```ts
 * redact({ headers: { authorization: 'Bearer abc' }, note: 'card 4111 1111 1111 1111' });
 * // { headers: { authorization: '[REDACTED]' }, note: 'card ************1111' }
 * ```
 */
export function redact<T>(value: T, options?: RedactOptions): T {
  return walk(value, compile(options), 0, new WeakSet()) as T;
}

/** Masks secrets, card numbers and (when configured) e-mails and phones inside one string. */
export function redactString(text: string, options?: RedactOptions): string {
  const c = compile(options);
  return cut(scrub(text, c), c.maxStringLength);
}
