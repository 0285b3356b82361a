export * from './schema.js';
export { message, param, type TemplateOptions } from './builders.js';
