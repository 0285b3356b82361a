import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { maskPersonalData, marksPersonalData, personalDataOf, piiKindOf } from './personal-data.js';

const phone = z.string().min(1).meta({ pii: 'phone' });

describe('personalDataOf', () => {
  it('finds marked values with their kind and path, through wrappers, arrays, records and catchalls', () => {
    const schema = z.object({
      to: phone.describe('recipient'),
      body: z.string().optional().meta({ pii: 'freeText' }),
      tags: z.array(z.string()),
      contacts: z
        .array(z.object({ email: z.email().meta({ pii: 'email' }), age: z.number() }))
        .default([])
        .optional(),
      fields: z
        .object({ LastName: z.unknown().optional().meta({ pii: 'name' }) })
        .catchall(z.unknown())
        .optional(),
      byId: z.record(z.string(), z.object({ id: z.number().meta({ pii: 'id' }) })),
      piped: z
        .string()
        .transform((s) => s.trim())
        .pipe(z.string())
        .meta({ pii: 'name' }),
    });
    const found = personalDataOf(schema, {
      to: '+9779841234567',
      body: 'Sita is absent',
      tags: ['a', '9841234567'],
      contacts: [{ email: 'ram@example.org', age: 9 }],
      fields: { LastName: 'Okafor', Amount: 5 },
      byId: { x: { id: 42 } },
      piped: ' Ada ',
    });
    expect(found).toEqual([
      { kind: 'phone', path: ['to'], value: '+9779841234567' },
      { kind: 'freeText', path: ['body'], value: 'Sita is absent' },
      { kind: 'email', path: ['contacts', 0, 'email'], value: 'ram@example.org' },
      { kind: 'name', path: ['fields', 'LastName'], value: 'Okafor' },
      { kind: 'id', path: ['byId', 'x', 'id'], value: '42' },
      { kind: 'name', path: ['piped'], value: ' Ada ' },
    ]);
  });

  it('a marked object marks every string inside it; unions are read by the option the value fits', () => {
    const schema = z.object({
      interactive: z.object({ body: z.object({ text: z.string() }) }).meta({ pii: 'freeText' }),
      who: z.discriminatedUnion('by', [
        z.object({ by: z.literal('phone'), value: phone }),
        z.object({ by: z.literal('email'), value: z.string().meta({ pii: 'email' }) }),
      ]),
    });
    expect(
      personalDataOf(schema, { interactive: { body: { text: 'Trip?' } }, who: { by: 'email', value: 'a@b.co' } }),
    ).toEqual([
      { kind: 'freeText', path: ['interactive', 'body', 'text'], value: 'Trip?' },
      { kind: 'email', path: ['who', 'value'], value: 'a@b.co' },
    ]);
  });

  it('finds nothing in unmarked schemas, and tolerates values that do not fit', () => {
    expect(marksPersonalData(z.object({ a: z.string() }))).toBe(false);
    expect(personalDataOf(z.object({ a: z.string() }), { a: 'x' })).toEqual([]);
    expect(personalDataOf(z.object({ to: phone }), 'not an object')).toEqual([]);
    expect(personalDataOf(z.object({ to: phone }), { to: 5 })).toEqual([{ kind: 'phone', path: ['to'], value: '5' }]);
    expect(piiKindOf(z.string().meta({ pii: 'bogus' }))).toBeUndefined();
  });
});

describe('maskPersonalData', () => {
  it('replaces every marked value with its placeholder and leaves the original alone', () => {
    const schema = z.object({ to: phone, items: z.array(z.object({ email: z.string().meta({ pii: 'email' }) })) });
    const value = { to: '+9779841234567', items: [{ email: 'a@b.co' }], other: 1 };
    expect(maskPersonalData(schema, value)).toEqual({ to: '[phone]', items: [{ email: '[email]' }], other: 1 });
    expect(value.to).toBe('+9779841234567');
    expect(maskPersonalData(phone, '+977')).toBe('[phone]');
    expect(maskPersonalData(z.object({ id: z.string().meta({ pii: 'id' }) }), { id: 'D-1' }, { keep: ['id'] })).toEqual(
      {
        id: 'D-1',
      },
    );
  });
});
