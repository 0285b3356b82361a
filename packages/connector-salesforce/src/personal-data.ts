import { z } from 'zod';

const name = z.unknown().optional().meta({ pii: 'name' });
const email = z.unknown().optional().meta({ pii: 'email' });
const phone = z.unknown().optional().meta({ pii: 'phone' });
const text = z.unknown().optional().meta({ pii: 'freeText' });

/**
 * Field values of a record by API name, with the standard Contact/Lead/Person Account fields and NPSP's donor
 * fields that hold personal data marked (`.meta({ pii })`), so a runtime masks, indexes and erases them. Any other
 * field is accepted as it is (`catchall`); validation is the same as a plain record of unknown values.
 */
export const sobjectFields = z
  .object({
    Salutation: name,
    FirstName: name,
    MiddleName: name,
    LastName: name,
    Name: name,
    Email: email,
    PersonEmail: email,
    npe01__HomeEmail__c: email,
    npe01__WorkEmail__c: email,
    npe01__AlternateEmail__c: email,
    Phone: phone,
    MobilePhone: phone,
    HomePhone: phone,
    OtherPhone: phone,
    PersonMobilePhone: phone,
    npe01__WorkPhone__c: phone,
    MailingStreet: text,
    OtherStreet: text,
    Birthdate: text,
    Description: text,
  })
  .catchall(z.unknown());

/** A Salesforce record id or an external id: identifies the person whose record it is. */
export const recordId = z.string().min(1).meta({ pii: 'id' });
