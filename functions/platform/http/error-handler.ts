/**
 * The error middleware of every HTTP handler. A refusal (an `HttpError` with a 4xx status) is
 * answered with its status, headers and field errors: `{ errors: [{ field, message }] }` unless the
 * handler renders its own (an HTML page). Anything else is a fault: its name is logged (never its
 * message, which may carry ARNs or addresses) and the handler's generic answer (a 503 or 500) is
 * sent, so nothing about the fault reaches the caller.
 *
 * `@middy/http-error-handler` does not fit: it answers faults 500 with a text body (the handlers
 * answer 503 with a JSON body or an HTML page, and a `retry-after`), logs the whole error, and
 * knows nothing of field errors.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { logger } from '../logger.ts';
import { type HttpError, isRefusal } from './http-error.ts';
import { clientError } from './responses.ts';

export interface HttpErrorsOptions {
  /** Logged at error level with `{ error: <the error's name> }` when a fault is answered. */
  readonly logMessage: string;
  /** The answer to a fault: generic, the same whatever went wrong. */
  readonly fault: () => APIGatewayProxyResult;
  /** The answer to a refusal; by default JSON `{ errors }` with the refusal's status and headers. */
  readonly refusal?: (error: HttpError) => APIGatewayProxyResult;
}

/** JSON `{ errors: [{ field, message }] }` with the refusal's status and headers. */
export function jsonRefusal(error: HttpError): APIGatewayProxyResult {
  return clientError(error.statusCode, [...error.errors], { ...error.headers });
}

export function httpErrors(options: HttpErrorsOptions): MiddlewareObj<unknown, APIGatewayProxyResult> {
  const refuse = options.refusal ?? jsonRefusal;
  return {
    name: 'httpErrors',
    onError: (request) => {
      if (request.response !== undefined && request.response !== null) return;
      const { error } = request;
      if (isRefusal(error)) {
        request.response = refuse(error);
        return;
      }
      logger.error(options.logMessage, { error: error instanceof Error ? error.name : 'unknown' });
      request.response = options.fault();
    },
  };
}
