/** Types of scripts/compile-schema.mjs, for the test that keeps the generated validator current. */
export declare const SCHEMA_PATH: string;
export declare const OUTPUT_PATH: string;
export declare function generateValidatorSource(schema: unknown): string;
