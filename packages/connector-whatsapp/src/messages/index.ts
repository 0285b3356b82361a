export * from './schema.js';
export { message, param, type TemplateOptions, type MediaRef, type MessageOptions } from './builders.js';
