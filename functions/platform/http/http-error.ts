/**
 * A refusal: the request is wrong, and the answer says which field. Middlewares and handlers throw
 * it; the error middleware (`httpErrors`) turns a 4xx into `{ errors: [{ field, message }] }` (or
 * the handler's page). Any other error is a fault, answered without detail.
 */
import type { FieldError } from './responses.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly statusCode: number,
    readonly errors: readonly FieldError[],
    /** Headers of the answer (`allow`, `retry-after`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${statusCode}: ${errors.map((error) => `${error.field} ${error.message}`).join('; ')}`);
  }
}

/** A refusal naming one field. */
export function refusal(
  statusCode: number,
  field: string,
  message: string,
  headers?: Readonly<Record<string, string>>,
): HttpError {
  return new HttpError(statusCode, [{ field, message }], headers);
}

/** Whether `error` is a refusal the caller may see (a 4xx); anything else is a fault. */
export function isRefusal(error: unknown): error is HttpError {
  return error instanceof HttpError && error.statusCode >= 400 && error.statusCode < 500;
}
