import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { GatewayConfig } from '../config/index.js';
import { isRole, ROLES, USER_NAME_PATTERN, type UserStore, type Role } from '../users/index.js';

/** Runs `fn` with the user store of the configured database (migrated first). */
export type WithUsers = (
  configFile: string | undefined,
  fn: (users: UserStore, config: GatewayConfig) => Promise<void>,
) => Promise<void>;

/**
 * `relaykit users add|list|remove`: console users, straight in the database (a PGlite directory only while no gateway
 * holds it). `add` takes the password from `$RELAYKIT_PASSWORD` or generates one and prints it once.
 */
export function registerUserCommands(
  program: Command,
  io: { out(line: string): void; err(line: string): void; env: NodeJS.ProcessEnv },
  withUsers: WithUsers,
): void {
  const users = program
    .command('users')
    .description(
      'Manage console users (roles: viewer reads with payloads masked; operator also retries, cancels, replays and resolves; admin also manages keys and users and sees clear values). Passwords are stored as scrypt hashes.',
    );
  const configOption = () =>
    new Option('-c, --config <file>', 'configuration file (default $RELAYKIT_CONFIG or ./relaykit.yaml)');

  users
    .command('add')
    .description('Add a user. The password is $RELAYKIT_PASSWORD, or a generated one printed once.')
    .argument('<name>', 'user name (letters, digits, ".", "_", "@", "-"; any case, unique regardless of case)')
    .addOption(configOption())
    .addOption(new Option('-r, --role <role>', 'viewer, operator or admin').choices([...ROLES]).default('viewer'))
    .option('-e, --env <environment>', 'the environment the user operates in (default: the first configured one)')
    .action(async (name: string, options: { config?: string; role: string; env?: string }) => {
      if (!USER_NAME_PATTERN.test(name)) throw new Error(`"${name}" is not a valid user name`);
      if (!isRole(options.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
      const role: Role = options.role;
      await withUsers(options.config, async (store, config) => {
        const environment = options.env ?? config.environments[0]!;
        if (!config.environments.includes(environment))
          throw new Error(`environment "${environment}" is not one of ${config.environments.join(', ')}`);
        const given = io.env.RELAYKIT_PASSWORD;
        if (given !== undefined && given.length < 8)
          throw new Error('RELAYKIT_PASSWORD must have 8 characters or more');
        const password = given ?? randomBytes(12).toString('base64url');
        const user = await store.create({ name, password, role, environment });
        io.out(`added ${user.role} ${user.name} (${user.id}) in ${user.environment}`);
        if (given === undefined) {
          io.out('password (shown once, store it now):');
          io.out(password);
        }
      });
    });

  users
    .command('list')
    .description('List users (never their passwords).')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      await withUsers(options.config, async (store) => {
        const all = await store.list();
        if (!all.length) io.out('no users; add one with: relaykit users add <name> --role admin');
        for (const u of all)
          io.out(
            `${u.id}  ${u.name.padEnd(20)} ${u.role.padEnd(8)} ${u.environment.padEnd(12)} ${u.lockedUntil ? `locked until ${u.lockedUntil}` : `last login ${u.lastLoginAt ?? 'never'}`}`,
          );
      });
    });

  users
    .command('remove')
    .description('Remove a user; their sessions end with them.')
    .argument('<name>', 'user name')
    .addOption(configOption())
    .action(async (name: string, options: { config?: string }) => {
      await withUsers(options.config, async (store) => {
        const user = await store.credentials(name);
        if (!user || !(await store.delete(user.id))) throw new Error(`no user ${name}`);
        io.out(`removed ${user.name}`);
      });
    });
}
