export {
  ENTITIES,
  ENTITY_NAMES,
  COMMON_FIELDS,
  keysOf,
  isEntityName,
  snakeCase,
  type EntityDefinition,
  type EntityName,
  type FieldType,
  type FieldValue,
} from './catalogue.js';
export {
  recordSchema,
  parseMahakRecord,
  type MahakRecord,
  type MahakEntityFields,
  type ParseOptions,
} from './schemas.js';
export { toInt64, toDecimal, toDate, int64, decimal, mahakDate, int32 } from './scalars.js';
