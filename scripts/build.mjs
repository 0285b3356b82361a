// Builds the workspace packages in dependency order: sdk-core first, the gateway last.
import { execFileSync } from 'node:child_process';

const order = [
  '@relaykit/sdk-core',
  '@relaykit/testkit',
  '@relaykit/connector-salesforce',
  '@relaykit/connector-mahak',
  '@relaykit/connector-whatsapp',
  '@relaykit/gateway',
];
for (const name of order) {
  execFileSync('npm', ['run', 'build', '--silent', '-w', name], { stdio: 'inherit' });
}
