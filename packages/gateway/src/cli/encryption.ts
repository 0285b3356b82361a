import { type Command, InvalidArgumentError } from 'commander';
import { cipherFromConfig, encryptionStatus, rotateEncryption, type EncryptionStatus } from '../privacy/encryption.js';
import { migrate } from '../store/migrations.js';
import { openSql } from '../store/sql.js';
import { configOption, readConfig } from './config-file.js';
import type { CliIo } from './io.js';

function printStatus(io: CliIo, status: EncryptionStatus, primary: string | undefined): void {
  for (const [column, counts] of Object.entries(status.columns)) {
    const parts = Object.entries(counts).map(([key, n]) => `${key}: ${n}`);
    io.out(`${column.padEnd(20)} ${parts.join(', ') || 'no rows'}`);
  }
  const old = Object.entries(status.keys).filter(([key]) => key !== primary);
  io.out(
    old.length
      ? `rows on keys other than the primary (${primary ?? 'none configured'}): ${old.map(([k, n]) => `${k} ${n}`).join(', ')}; run \`relaykit encryption rotate\``
      : `every sealed row is on the primary key${primary ? ` (${primary})` : ''}: older keys can be retired`,
  );
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};

/** `relaykit encryption status|rotate`: rows per key id across sealed columns; re-sealing with the primary key. */
export function registerEncryptionCommands(program: Command, io: CliIo): void {
  const encryption = program
    .command('encryption')
    .description('Encryption at rest: rows per key id, and re-sealing old rows with the primary key after a rotation.');

  encryption
    .command('status')
    .description('Count rows per key id in every sealed column (jobs, audit payloads, stored responses).')
    .addOption(configOption())
    .option('--json', 'print JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      const { config } = await readConfig(options.config, io, 'database');
      const sql = await openSql({ url: config.database.url, dataDir: config.database.dataDir });
      try {
        await migrate(sql);
        const status = await encryptionStatus(sql);
        if (options.json) io.out(JSON.stringify(status));
        else printStatus(io, status, cipherFromConfig(config.encryption)?.primaryKeyId);
      } finally {
        await sql.close();
      }
    });

  encryption
    .command('rotate')
    .description(
      'Re-seal every row sealed with an older key with the primary one, in batches; resumable (killed, it goes on where it stopped). Configure the new primary (encryption.keys + primary) and restart the gateways first.',
    )
    .addOption(configOption())
    .option('--batch <rows>', 'rows per transaction', positiveInt, 1000)
    .action(async (options: { config?: string; batch: number }) => {
      const { config } = await readConfig(options.config, io, 'database');
      const cipher = cipherFromConfig(config.encryption);
      if (!cipher)
        throw new Error('encryption is not configured (encryption.key or encryption.keys): nothing to rotate to');
      const sql = await openSql({ url: config.database.url, dataDir: config.database.dataDir });
      try {
        await migrate(sql);
        let last = 0;
        const { rotated, status } = await rotateEncryption(sql, cipher, {
          batch: options.batch,
          onProgress: (p) => {
            if (Date.now() - last < 1000) return;
            last = Date.now();
            io.out(`rotating to ${cipher.primaryKeyId}: ${p.thisRun} rows re-sealed (${p.column}: ${p.rotated})`);
          },
        });
        io.out(`re-sealed ${rotated} rows with ${cipher.primaryKeyId}`);
        printStatus(io, status, cipher.primaryKeyId);
      } finally {
        await sql.close();
      }
    });
}
