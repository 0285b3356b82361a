// Builds the workspace packages in dependency order: sdk-core first, then the gateway and the client generated from its document.
import { execFileSync } from 'node:child_process';

const order = [
  '@relaykit/sdk-core',
  '@relaykit/testkit',
  '@relaykit/connector-salesforce',
  '@relaykit/connector-mahak',
  '@relaykit/connector-whatsapp',
  '@relaykit/gateway',
  // Generates its types from the gateway's document (the built gateway), then builds.
  '@relaykit/client',
];
for (const name of order) {
  execFileSync('npm', ['run', 'build', '--silent', '-w', name], { stdio: 'inherit' });
}
