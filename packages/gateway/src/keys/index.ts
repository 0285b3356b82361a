export { ApiKeyStore, assertValidScopes, invalidScopes, scopeAllows, type ApiKey } from './keys.js';
