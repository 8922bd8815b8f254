/**
 * The routes a handler serves: an unknown resource is refused with 404 naming `path`, a method the
 * resource does not take with 405 naming `method` and an `allow` header. API Gateway routes only
 * the declared methods, so these answer what slips past it (a test invoke, a changed template).
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { refusal } from './http-error.ts';

/** API Gateway resource (`/reps/{repId}`) → the methods it takes. */
export type MethodsOfResource = Readonly<Record<string, readonly string[]>>;

/** Refuses, before the handler runs, a resource or method outside `methodsOfResource`. */
export function allowedMethods(
  methodsOfResource: MethodsOfResource,
): MiddlewareObj<Pick<APIGatewayProxyEvent, 'resource' | 'httpMethod'>> {
  return {
    name: 'allowedMethods',
    before: ({ event }) => {
      const allowed = Object.hasOwn(methodsOfResource, event.resource)
        ? methodsOfResource[event.resource]
        : undefined;
      if (!allowed) throw refusal(404, 'path', 'no such resource');
      if (!allowed.includes(event.httpMethod)) {
        const list = allowed.join(', ');
        throw refusal(405, 'method', `must be one of ${list}`, { allow: list });
      }
    },
  };
}
