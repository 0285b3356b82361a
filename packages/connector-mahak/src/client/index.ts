export { MahakClient, MAHAK_DEFAULT_BASE_URL } from './client.js';
export { createMahakClassifier, classifyMahakError } from './classify.js';
export type {
  MahakClientOptions,
  MahakSession,
  GetAllDataRequest,
  SaveRowResult,
  SaveAllDataResult,
  PasswordMode,
} from './types.js';
