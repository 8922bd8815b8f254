// API Gateway events and a middy runner for the HTTP middleware tests.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { lambdaContext } from '../../lambda-context.ts';

/** An API Gateway (REST, v1) proxy event; `changes` override any field. */
export function apiEvent(changes: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    multiValueHeaders: {},
    httpMethod: 'POST',
    isBase64Encoded: false,
    path: '/things',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/things',
    requestContext: {
      accountId: '123456789012',
      apiId: 'api123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: changes.httpMethod ?? 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
      path: '/v1/things',
      stage: 'v1',
      requestId: 'req-1',
      requestTimeEpoch: 1_714_564_800_000,
      resourceId: 'res-1',
      resourcePath: '/things',
    },
    ...changes,
  };
}

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
