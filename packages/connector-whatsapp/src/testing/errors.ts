/** A Graph API error body, exactly as Meta returns it. */
export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

const templates: Record<number, { message: string; type?: string; details: string }> = {
  1: { message: 'An unknown error occurred', details: 'An unknown error occurred.' },
  2: { message: 'Service temporarily unavailable', details: 'Temporarily unavailable due to downtime or overload.' },
  4: { message: '(#4) Application request limit reached', details: 'The app has reached its API call rate limit.' },
  100: { message: '(#100) Invalid parameter', details: 'Invalid parameter' },
  190: { message: 'Error validating access token: Session has expired.', details: 'The access token has expired.' },
  368: {
    message: 'Temporarily blocked for policies violations',
    details: 'The WhatsApp Business Account is restricted.',
  },
  130429: { message: '(#130429) Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131000: { message: 'Something went wrong', details: 'Something went wrong.' },
  131008: { message: '(#131008) Required parameter is missing', details: 'A required parameter is missing.' },
  131009: { message: '(#131009) Parameter value is not valid', details: 'One or more parameter values are invalid.' },
  131026: { message: 'Message Undeliverable.', details: 'Unable to deliver message.' },
  131047: {
    message: 'Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  131048: {
    message: 'Spam rate limit hit',
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
  },
  131056: {
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
  131057: {
    message: 'Account in maintenance mode',
    details: 'Business Account is in maintenance mode (throughput upgrade).',
  },
  132000: {
    message: '(#132000) Number of parameters does not match the expected number of params',
    details: 'The number of variable parameter values does not match the number of parameters the template expects.',
  },
  132001: {
    message: '(#132001) Template name does not exist in the translation',
    details: 'The template does not exist in the specified language or has not been approved.',
  },
  132005: { message: '(#132005) Translated text too long', details: 'Translated text is too long.' },
  132007: {
    message: '(#132007) Template Format Character Policy Violated',
    details: 'Template content violates a WhatsApp policy.',
  },
  132012: {
    message: '(#132012) Parameter format does not match format in the created template',
    details: 'Variable parameter values formatted incorrectly.',
  },
};

/** Builds the error body Meta returns for `code`, with an optional more specific `details`. */
export function graphError(code: number, details?: string, fbtraceId = randomTrace()): GraphErrorBody {
  const t = templates[code] ?? { message: `(#${code}) Error`, details: 'Error' };
  return {
    error: {
      message: t.message,
      type: 'OAuthException',
      code,
      ...(code === 190 ? { error_subcode: 463 } : {}),
      error_data: { messaging_product: 'whatsapp', details: details ?? t.details },
      fbtrace_id: fbtraceId,
    },
  };
}

/** Default HTTP status per error code; sources disagree, so the fake lets tests override it. */
export function defaultErrorStatus(code: number): number {
  if (code === 190) return 401;
  if (code === 130429 || code === 131056 || code === 4 || code === 80007 || code === 613) return 429;
  if (code === 131000 || code === 1 || code === 2) return 500;
  return 400;
}

function randomTrace(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = 'A';
  for (let i = 0; i < 22; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}
