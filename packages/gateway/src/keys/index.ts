export { ApiKeyStore, scopeAllows, type ApiKey } from './keys.js';
