import { fromJsonb as coreFromJsonb, toJsonb as coreToJsonb } from '@relaykit/sdk-core';
import { toJson } from './codec.js';

/** The jsonb text of `value` in the gateway's JSON (bigints as decimal strings), wrapped when jsonb could not hold it. */
export const toJsonb = (value: unknown): string => coreToJsonb(value, toJson);

/** The value stored by `toJsonb`, as the database driver returns it (parsed jsonb). */
export const fromJsonb = (stored: unknown): unknown => coreFromJsonb(stored);
