// An API Gateway (REST, v1) Lambda proxy event for handler tests: the fields a test names, the rest
// as API Gateway fills them (the request context follows the method, path and resource given).
import type { APIGatewayProxyEvent } from 'aws-lambda';

export function apiEvent(changes: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  const event: Omit<APIGatewayProxyEvent, 'requestContext'> = {
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
    ...changes,
  };
  return {
    ...event,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: event.httpMethod,
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
      path: `/v1${event.path}`,
      stage: 'v1',
      requestId: 'req-1',
      requestTimeEpoch: 1_714_564_800_000,
      resourceId: 'res-1',
      resourcePath: event.resource,
      ...changes.requestContext,
    },
  };
}
