import { gatewayPackage } from './package-dir.js';

/** The gateway package's version, read from its package.json. */
export function gatewayVersion(): string {
  return gatewayPackage()?.version || 'unknown';
}
