// API Gateway events and a middy runner for the HTTP middleware tests.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { lambdaContext } from '../../lambda-context.ts';

export { apiEvent } from '../../api-event.ts';

/** Calls a middy handler as Lambda would. */
export async function invoke(
  handler: (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  return (await handler(event, lambdaContext('http-middleware'))) as APIGatewayProxyResult;
}

/** The `{ errors }` of a JSON answer. */
export function errorsOf(response: APIGatewayProxyResult): Array<{ field: string; message: string }> {
  return (JSON.parse(response.body) as { errors: Array<{ field: string; message: string }> }).errors;
}
