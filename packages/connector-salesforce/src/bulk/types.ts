// Bulk API 2.0 shapes, apart from the helpers so the error types can name them without importing the helpers.

/** Bulk 2.0 ingest operations. */
export type BulkOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

/** Job information as Salesforce reports it (`GET /jobs/ingest/{id}`). */
export interface BulkJobInfo {
  id: string;
  object: string;
  operation: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  contentUrl?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
  [key: string]: unknown;
}

/** The outcome of one input row. */
export interface BulkRowResult {
  /** Index of the row in `records`. */
  index: number;
  status: 'success' | 'failed' | 'unprocessed';
  id?: string | undefined;
  created?: boolean | undefined;
  /** `sf__Error`, e.g. `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --`. */
  error?: string | undefined;
}

/** Result of `bulkIngest`. */
export interface BulkIngestResult {
  jobs: BulkJobInfo[];
  /** One per input row, in input order (matched from Salesforce's unordered result files). */
  results: BulkRowResult[];
  successful: number;
  failed: number;
  unprocessed: number;
}
