import * as z from '#catalogue/zod.ts';

/** Reads a required environment variable once, failing at cold start with the variable's name. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

/** An optional environment variable with a default. */
export function optionalEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** A comma-separated environment variable's entries (empty ones dropped); undefined when it is not set. */
export function listEnv(name: string): string[] | undefined {
  const value = process.env[name];
  return value === undefined ? undefined : value.split(',').filter((entry) => entry !== '');
}

/**
 * A setting held in the environment as JSON, read with its schema (throws, naming the field, when it
 * is malformed). Read once, at a cold start: parsed without zod's JIT, which compiles a parser for
 * each object schema on its first parse to speed up the parses that follow (about 6 ms for the
 * delivery policy's, and none follow).
 */
export function parseJsonSetting<Schema extends z.core.$ZodType>(
  schema: Schema,
  json: string,
): z.output<Schema> {
  return z.parse(schema, JSON.parse(json), { jitless: true });
}
