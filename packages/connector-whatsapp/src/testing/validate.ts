/** A validation failure the fake answers with, as Meta would. */
export interface FakeRejection {
  code: number;
  details: string;
}

/** A template the fake knows; when the fake has templates, unknown ones fail with 132001. */
export interface FakeTemplate {
  name: string;
  /** Language code, e.g. `en_US`, `ne`. */
  language: string;
  /** Number of body parameters the template expects (positional) — or their names (named parameters). */
  bodyParameters: number | string[];
  /** Header format, when the template has a media or text header with a parameter. */
  header?: 'text' | 'image' | 'video' | 'document';
  /** Number of buttons that take a parameter (url / quick_reply payloads). */
  buttonParameters?: number;
}

const reject = (code: number, details: string): FakeRejection => ({ code, details });
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const MEDIA = ['image', 'audio', 'video', 'document', 'sticker'];
const TYPES = ['text', 'template', 'interactive', 'reaction', 'location', 'contacts', ...MEDIA];

/**
 * Checks a send request the way the Cloud API does, independently of the connector's own schemas
 * (a fake that shared them could not catch the connector's mistakes).
 */
export function validateSend(
  body: unknown,
  templates: ReadonlyArray<FakeTemplate> | undefined,
): FakeRejection | undefined {
  if (!isObj(body)) return reject(100, 'The request body must be a JSON object');
  if (body.messaging_product !== 'whatsapp')
    return reject(100, 'The parameter messaging_product is required and must be "whatsapp"');
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual' && body.recipient_type !== 'group')
    return reject(100, 'Invalid recipient_type');
  if (!isStr(body.to) || !/^\+?[1-9]\d{6,14}$/.test(body.to))
    return reject(131009, 'Parameter to is not a valid phone number');
  const type = body.type ?? 'text';
  if (!isStr(type) || !TYPES.includes(type)) return reject(131009, `Unsupported message type ${String(type)}`);
  if (body.context !== undefined && (!isObj(body.context) || !isStr(body.context.message_id)))
    return reject(131009, 'context.message_id must be a string');
  const content = body[type];
  if (!isObj(content)) return reject(131008, `The parameter ${type} is required`);
  switch (type) {
    case 'text': {
      if (!isStr(content.body) || content.body.length === 0)
        return reject(131008, 'The parameter text.body is required');
      if (content.body.length > 4096) return reject(100, 'Param text.body must be at most 4096 characters long');
      return undefined;
    }
    case 'template':
      return validateTemplate(content, templates);
    case 'interactive':
      return validateInteractive(content);
    case 'reaction':
      return isStr(content.message_id) && isStr(content.emoji)
        ? undefined
        : reject(131008, 'reaction.message_id and reaction.emoji are required');
    case 'location':
      return typeof content.latitude === 'number' && typeof content.longitude === 'number'
        ? undefined
        : reject(131008, 'location.latitude and location.longitude are required');
    case 'contacts':
      return Array.isArray(content) ? undefined : reject(131009, 'contacts must be an array');
    default: {
      const hasId = isStr(content.id);
      const hasLink = isStr(content.link);
      if (hasId && hasLink) return reject(100, `Param ${type} must have either id or link, not both`);
      if (!hasId && !hasLink) return reject(131008, `Param ${type}.id or ${type}.link is required`);
      if (hasLink && !/^https?:\/\//.test(content.link as string))
        return reject(131009, `Param ${type}.link must be an http(s) URL`);
      if ((type === 'audio' || type === 'sticker') && content.caption !== undefined)
        return reject(100, `Param ${type} does not take a caption`);
      return undefined;
    }
  }
}

function validateTemplate(
  t: Record<string, unknown>,
  templates: ReadonlyArray<FakeTemplate> | undefined,
): FakeRejection | undefined {
  if (!isStr(t.name) || !t.name) return reject(131008, 'The parameter template.name is required');
  if (!isObj(t.language) || !isStr(t.language.code))
    return reject(131008, 'The parameter template.language.code is required');
  const components = t.components ?? [];
  if (!Array.isArray(components)) return reject(131009, 'template.components must be an array');
  const body = components.find((c) => isObj(c) && c.type === 'body') as Record<string, unknown> | undefined;
  const bodyParams = Array.isArray(body?.parameters) ? (body.parameters as unknown[]) : [];
  for (const p of bodyParams) {
    if (!isObj(p) || !isStr(p.type)) return reject(131009, 'Each parameter needs a type');
    if (p.type === 'text' && !isStr(p.text)) return reject(131008, 'Parameter of type text needs text');
    if (
      p.type === 'currency' &&
      (!isObj(p.currency) ||
        typeof p.currency.amount_1000 !== 'number' ||
        !isStr(p.currency.code) ||
        !isStr(p.currency.fallback_value))
    )
      return reject(131008, 'currency needs fallback_value, code and amount_1000');
    if (p.type === 'date_time' && (!isObj(p.date_time) || !isStr(p.date_time.fallback_value)))
      return reject(131008, 'date_time needs fallback_value');
  }
  if (!templates) return undefined;
  const known = templates.find((x) => x.name === t.name && x.language === (t.language as Record<string, unknown>).code);
  if (!known)
    return reject(
      132001,
      `template name (${t.name}) does not exist in ${String((t.language as Record<string, unknown>).code)}`,
    );
  if (Array.isArray(known.bodyParameters)) {
    const names = bodyParams.map((p) => (isObj(p) ? p.parameter_name : undefined));
    const missing = known.bodyParameters.filter((n) => !names.includes(n));
    if (names.length !== known.bodyParameters.length || missing.length > 0)
      return reject(132000, `body: expected named parameters ${known.bodyParameters.join(', ')}`);
  } else if (bodyParams.length !== known.bodyParameters) {
    return reject(
      132000,
      `body: number of localizable_params (${bodyParams.length}) does not match the expected number of params (${known.bodyParameters})`,
    );
  }
  if (known.header && known.header !== 'text') {
    const header = components.find((c) => isObj(c) && c.type === 'header') as Record<string, unknown> | undefined;
    const p = Array.isArray(header?.parameters)
      ? (header.parameters[0] as Record<string, unknown> | undefined)
      : undefined;
    if (!p || p.type !== known.header) return reject(132012, `header: expected a ${known.header} parameter`);
  }
  return undefined;
}

function validateInteractive(i: Record<string, unknown>): FakeRejection | undefined {
  if (!isObj(i.body) || !isStr(i.body.text)) return reject(131008, 'interactive.body.text is required');
  if (i.body.text.length > 1024) return reject(100, 'interactive.body.text must be at most 1024 characters');
  if (!isObj(i.action)) return reject(131008, 'interactive.action is required');
  if (i.type === 'button') {
    const buttons = i.action.buttons;
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
      return reject(131009, 'interactive buttons: 1 to 3 buttons are required');
    const ids = new Set<string>();
    for (const b of buttons) {
      if (!isObj(b) || b.type !== 'reply' || !isObj(b.reply) || !isStr(b.reply.id) || !isStr(b.reply.title))
        return reject(131009, 'each button needs type reply with reply.id and reply.title');
      if (b.reply.id.length > 256) return reject(131009, 'button id must be at most 256 characters');
      if (b.reply.title.length > 20) return reject(131009, 'button title must be at most 20 characters');
      if (ids.has(b.reply.id)) return reject(131009, 'button ids must be unique');
      ids.add(b.reply.id);
    }
    return undefined;
  }
  if (i.type === 'list') {
    if (!isStr(i.action.button) || i.action.button.length > 20)
      return reject(131009, 'list action.button is required, at most 20 characters');
    const sections = i.action.sections;
    if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
      return reject(131009, 'list needs 1 to 10 sections');
    let rows = 0;
    for (const s of sections) {
      if (!isObj(s) || !Array.isArray(s.rows)) return reject(131009, 'each section needs rows');
      for (const r of s.rows) {
        rows++;
        if (!isObj(r) || !isStr(r.id) || !isStr(r.title)) return reject(131009, 'each row needs id and title');
        if (r.title.length > 24) return reject(131009, 'row title must be at most 24 characters');
        if (r.description !== undefined && (!isStr(r.description) || r.description.length > 72))
          return reject(131009, 'row description must be at most 72 characters');
      }
    }
    if (rows < 1 || rows > 10) return reject(131009, 'a list has 1 to 10 rows in all');
    return undefined;
  }
  return reject(131009, `Unsupported interactive type ${String(i.type)}`);
}
