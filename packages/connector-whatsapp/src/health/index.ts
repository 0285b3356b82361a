export {
  PHONE_NUMBER_FIELDS,
  PhoneNumberResponse,
  toPhoneNumberStatus,
  assessPhoneNumber,
  type PhoneNumberStatus,
  type PhoneNumberAssessment,
} from './status.js';
