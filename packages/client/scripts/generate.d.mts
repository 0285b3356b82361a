/** Where the generated types live. */
export declare const target: string;
/** The text of src/generated/openapi.d.ts for the document `buildOpenApi` makes with no instance. */
export declare function generateTypes(
  buildOpenApi: (instances: Map<string, never>) => Record<string, unknown>,
): Promise<string>;
