export { columnsOf, toLocalRow, transformRecord, PG_TYPES, type LocalColumn, type LocalRow } from './transformer.js';
