/**
 * The commented configuration `relaykit init` writes: valid as it stands (a persistent PGlite directory, so keys
 * made with `relaykit keys create` survive, and no instance yet), with one commented block per bundled connector.
 */
export const SAMPLE_CONFIG = `# relaykit gateway configuration. Validate with: relaykit check -c relaykit.yaml
# \${NAME} (or \${NAME:-default}) in any string is read from the environment, so secrets stay out of this file.

server:
  host: 127.0.0.1          # 0.0.0.0 to accept connections from other machines
  port: 8080               # the PORT environment variable or relaykit start -p 9090 override it
  shutdownTimeout: 10s     # running jobs finish within it on SIGTERM, the rest are handed back

database:
  # PostgreSQL when DATABASE_URL is set (several gateway processes can share it).
  # Without it: embedded PGlite in this directory. One process only: while the gateway runs, manage keys through it
  # (relaykit keys ... --url http://127.0.0.1:8080 --admin-key <key with the admin:keys scope>).
  dataDir: ./data/relaykit

# redis:
#   url: \${REDIS_URL}       # bee-queue on Redis; without it an in-memory queue (one process)

environments: [development, production]

apiKeys:
  rateLimits: [{ limit: 100, window: 1s }]   # per key

# The web console at /console (add its first user with: relaykit users add <name> --role admin -c relaykit.yaml).
# console:
#   secureCookies: auto     # Secure cookie over TLS; true behind a TLS-terminating proxy
#   sessionIdle: 30m        # a session without a request for this long ends
#   sessionMaxAge: 12h      # and this long after login in any case
#   maxFailedLogins: 5      # failures in a row that lock a user for 'lockout'
#   lockout: 15m

# One block per connector instance; the URL path is /v1/<instance>/<operation>.
instances: {}
#  sf-dev:
#    connector: "@relaykit/connector-salesforce"
#    environment: development
#    config:
#      instanceUrl: https://acme--dev.sandbox.my.salesforce.com
#      auth: { flow: client_credentials, clientId: "\${SF_CLIENT_ID}", clientSecret: "\${SF_CLIENT_SECRET}" }
#  mahak-shop:
#    connector: "@relaykit/connector-mahak"
#    environment: production
#    config: { userName: "\${MAHAK_USER}", password: "\${MAHAK_PASSWORD}", databaseId: 1 }
#  wa-school:
#    connector: "@relaykit/connector-whatsapp"
#    environment: production
#    config:
#      accessToken: "\${WA_ACCESS_TOKEN}"
#      phoneNumberId: "\${WA_PHONE_NUMBER_ID}"
#      appSecret: "\${WA_APP_SECRET}"
#      verifyToken: "\${WA_VERIFY_TOKEN}"
#      defaultRegion: NP     # how local numbers (9841234567) are read
`;
