import { z } from 'zod';

const name = z.unknown().optional().meta({ pii: 'name' });
const email = z.unknown().optional().meta({ pii: 'email' });
const phone = z.unknown().optional().meta({ pii: 'phone' });
const text = z.unknown().optional().meta({ pii: 'freeText' });
const id = z.unknown().optional().meta({ pii: 'id' });

/**
 * A raw Mahak record (Mahak's field names) with the Person fields that hold personal data marked
 * (`.meta({ pii })`); any other field is accepted as it is.
 */
export const mahakRecordFields = z
  .object({
    PersonId: id,
    FirstName: name,
    LastName: name,
    Organization: name,
    NationalCode: id,
    Mobile: phone,
    Phone: phone,
    Email: email,
    Address: text,
    PostalCode: text,
    Description: text,
  })
  .catchall(z.unknown());
