import { decodeCursor, encodeCursor, type Checkpoint } from './types.js';

/** The JSON form of a {@link Checkpoint}: the cursor as its tagged string, so a bigint survives `JSON.stringify`. */
export interface CheckpointJson {
  source: string;
  entity: string;
  /** Tagged cursor (`b:<digits>` or `s:<text>`), see {@link encodeCursor}. */
  cursor: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** Converts a checkpoint to its JSON-safe form (for APIs, logs and files). */
export function checkpointToJson(checkpoint: Checkpoint): CheckpointJson {
  return {
    source: checkpoint.source,
    entity: checkpoint.entity,
    cursor: encodeCursor(checkpoint.cursor),
    updatedAt: checkpoint.updatedAt.toISOString(),
  };
}

/** Inverse of {@link checkpointToJson}: a bigint cursor comes back a bigint. */
export function checkpointFromJson(json: CheckpointJson): Checkpoint {
  return {
    source: json.source,
    entity: json.entity,
    cursor: decodeCursor(json.cursor),
    updatedAt: new Date(json.updatedAt),
  };
}
