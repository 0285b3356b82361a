import { redactString, type RedactOptions } from './redact.js';

const PERSONAL = new WeakMap<RedactOptions, RedactOptions>();
const DEFAULT_PERSONAL: RedactOptions = Object.freeze({ maskEmails: true, maskPhones: true });

/** `options` with e-mail and phone masking on (cached per options object, so redactString's compile cache works). */
function personal(options: RedactOptions | undefined): RedactOptions {
  if (!options) return DEFAULT_PERSONAL;
  let p = PERSONAL.get(options);
  if (!p) {
    p = { ...options, maskEmails: true, maskPhones: true };
    PERSONAL.set(options, p);
  }
  return p;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * A URL as it may be logged or put into an error: query strings keep only their parameter names
 * (every value is the censor: a SOQL `q=` or a search term is customer data, and percent-encoding
 * hides e-mails and phones from pattern matching), and each path segment is decoded and masked for
 * secrets, card numbers, e-mail addresses and phone numbers (`/Contact/Email__c/jane@example.org`).
 * The fragment is dropped. Phone masking is always on here, whatever `options` says: a URL has no
 * business carrying personal data into a log.
 *
 * @example
 * ```ts
 * redactUrl("https://x.my.salesforce.com/services/data/v62.0/query?q=SELECT+Id+FROM+Contact+WHERE+Email='a@b.co'");
 * // "https://x.my.salesforce.com/services/data/v62.0/query?q=[REDACTED]"
 * ```
 */
export function redactUrl(url: string, options?: RedactOptions): string {
  const censor = options?.censor ?? '[REDACTED]';
  const mask = personal(options);
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  const base = q === -1 ? withoutFragment : withoutFragment.slice(0, q);
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(base)?.[0] ?? '';
  const path = base
    .slice(origin.length)
    .split('/')
    .map((segment) => {
      const decoded = decode(segment);
      const masked = redactString(decoded, mask);
      return masked === decoded ? segment : encodeURIComponent(masked).replace(/%40/g, '@');
    })
    .join('/');
  if (q === -1) return origin + path;
  const names = withoutFragment
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      const decoded = decode(name);
      const safe = redactString(decoded, mask) === decoded ? name : censor;
      return eq === -1 ? safe : `${safe}=${censor}`;
    });
  return `${origin}${path}?${names.join('&')}`;
}
