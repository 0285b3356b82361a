import { createRequire } from 'node:module';
import { RelaykitError } from '../errors/base.js';

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency the first time an adapter needs it, so code that never touches Redis or
 * PostgreSQL does not load (or need) their drivers. A missing package is a `CONFIG` error saying what to install.
 * @internal
 */
export function loadPeer<T>(name: string, purpose: string): T {
  try {
    return requireFromHere(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new RelaykitError('CONFIG', `${purpose} needs the ${name} package: npm install ${name}`, { cause: error });
  }
}
