import type { EnvelopeCipher, Logger } from '@relaykit/sdk-core';
import { problem } from '../errors/index.js';
import type { SqlClient } from '../store/sql.js';
import { encryptionStatus, rotateEncryption, type EncryptionStatus } from './encryption.js';

/** A rotation started through the operator API, as the last one in this process went. */
export interface RotationRun {
  state: 'running' | 'done' | 'failed';
  /** The primary key id rows are re-sealed with. */
  target: string;
  /** Rows re-sealed by this run so far. */
  rotated: number;
  /** The column being re-sealed (while running). */
  column: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** The stable code of the failure (when failed); the run can be started again and resumes. */
  error: string | null;
}

/** What `GET /v1/admin/encryption` shows: rows per key id, and the rotation started in this process. */
export interface KeyRotationStatus extends EncryptionStatus {
  /** The primary key id (new rows are sealed with it); null when encryption is off. */
  primary: string | null;
  /** Key ids other than the primary that rows still need: rotate, then retire them. */
  pending: string[];
  rotation: RotationRun | null;
}

/**
 * `relaykit encryption rotate` as a background task of the gateway, for the operator API: one run at a time per
 * process, resumable like the command (progress is committed with each batch, so a run killed with its process goes
 * on where it stopped when started again), and safe beside other processes rotating (rows are locked `SKIP LOCKED`).
 */
export class KeyRotation {
  private run: RotationRun | null = null;
  private task: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly sql: SqlClient,
    private readonly cipher: EnvelopeCipher | undefined,
    private readonly logger: Logger,
  ) {}

  /** Rows per key id across the sealed columns, and this process's rotation. */
  async status(): Promise<KeyRotationStatus> {
    const status = await encryptionStatus(this.sql);
    const primary = this.cipher?.primaryKeyId ?? null;
    return {
      ...status,
      primary,
      pending: Object.keys(status.keys).filter((k) => k !== primary),
      rotation: this.run && { ...this.run },
    };
  }

  /** Starts re-sealing every older row with the primary key (or returns the run already going). */
  start(batch = 1000): RotationRun {
    const cipher = this.cipher;
    if (!cipher)
      throw problem('ENCRYPTION_NOT_CONFIGURED', 'Encryption is not configured (encryption.key or encryption.keys).');
    if (this.run?.state === 'running') return { ...this.run };
    const run: RotationRun = {
      state: 'running',
      target: cipher.primaryKeyId,
      rotated: 0,
      column: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    this.run = run;
    this.task = rotateEncryption(this.sql, cipher, {
      batch,
      signal: this.abort.signal,
      onProgress: (p) => {
        run.rotated = p.thisRun;
        run.column = p.column;
      },
    }).then(
      ({ rotated }) => {
        Object.assign(run, { state: 'done', rotated, column: null, finishedAt: new Date().toISOString() });
        this.logger.info({ rotated, target: run.target }, 'key rotation finished');
      },
      (error: unknown) => {
        const code = (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error';
        Object.assign(run, { state: 'failed', error: code, finishedAt: new Date().toISOString() });
        this.logger.warn({ err: String(error), target: run.target }, 'key rotation stopped; start it again to resume');
      },
    );
    return { ...run };
  }

  /** Stops a running rotation after its current batch (committed batches stay done). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.task;
  }
}
