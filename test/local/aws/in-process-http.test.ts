// The SDK's in-process transport: real SDK clients serialize and sign as for HTTP, the request
// crosses a MessagePort, and the answer is parsed as any HTTP answer is (awsJson, awsQuery, restJson).
import { MessageChannel } from 'node:worker_threads';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { HttpHandler } from '@smithy/core/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { inProcessHandlers, serveAwsOverPort } from '../../../local/aws/in-process-http.ts';
import type { AwsRequest, AwsResponse } from '../../../local/aws/protocol.ts';

const ENDPOINT = 'http://127.0.0.1:4599';
const credentials = { accessKeyId: 'LKIAFUNCTIONKEY', secretAccessKey: 'secret' };
const channels: MessageChannel[] = [];

afterEach(() => {
  for (const channel of channels.splice(0)) channel.port1.close();
});

/** A transport whose main-thread side answers with `answer` and records each request. */
function transport(answer: (req: AwsRequest) => AwsResponse, network?: () => HttpHandler) {
  const channel = new MessageChannel();
  channels.push(channel);
  const seen: AwsRequest[] = [];
  serveAwsOverPort(channel.port1, async (req) => {
    seen.push(req);
    return answer(req);
  });
  const handlerFor = inProcessHandlers({ port: channel.port2, endpoint: ENDPOINT });
  const failNetwork = () => {
    throw new Error('no network call expected');
  };
  const requestHandler = handlerFor(network ?? failNetwork);
  const config = { endpoint: ENDPOINT, region: 'us-east-1', credentials, requestHandler, maxAttempts: 1 };
  return { seen, config };
}

describe('the in-process transport to the local AWS', () => {
  it('carries an awsJson call signed with the caller key, and parses the answer', async () => {
    const { seen, config } = transport(() => ({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ Item: { pk: { S: 'a' }, n: { N: '2' } } }),
    }));
    const client = new DynamoDBClient(config);
    const answer = await client.send(new GetItemCommand({ TableName: 'Items', Key: { pk: { S: 'a' } } }));
    expect(answer.Item).toEqual({ pk: { S: 'a' }, n: { N: '2' } });
    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/');
    expect(req?.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(req?.headers.host).toBe('127.0.0.1:4599');
    // The edge identifies the caller by the access key in the SigV4 Authorization header.
    expect(req?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=LKIAFUNCTIONKEY\//);
    expect(JSON.parse(req?.body ?? '')).toEqual({ TableName: 'Items', Key: { pk: { S: 'a' } } });
  });

  it('turns a service error answer into the SDK error it names', async () => {
    const { config } = transport(() => ({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found',
      }),
    }));
    const error = await new DynamoDBClient(config)
      .send(new GetItemCommand({ TableName: 'Missing', Key: { pk: { S: 'a' } } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
  });

  it('carries awsQuery (SNS) and restJson (SES v2) requests in their wire format', async () => {
    const { seen, config } = transport((req) =>
      req.path === '/'
        ? {
            status: 200,
            headers: { 'content-type': 'text/xml' },
            body: '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>',
          }
        : { status: 200, headers: { 'content-type': 'application/json' }, body: '{"MessageId":"e-1"}' },
    );
    const published = await new SNSClient(config).send(
      new PublishCommand({ PhoneNumber: '+33612345678', Message: 'hello' }),
    );
    expect(published.MessageId).toBe('m-1');
    const sent = await new SESv2Client(config).send(
      new SendEmailCommand({
        FromEmailAddress: 'shop@example.com',
        Destination: { ToAddresses: ['someone@example.com'] },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
      }),
    );
    expect(sent.MessageId).toBe('e-1');
    expect(seen[0]?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(seen[0]?.body).get('Action')).toBe('Publish');
    expect(seen[1]?.path).toBe('/v2/email/outbound-emails');
    expect(JSON.parse(seen[1]?.body ?? '').Destination).toEqual({ ToAddresses: ['someone@example.com'] });
  });

  it('answers 500 InternalFailure when the dispatcher throws, as the edge does', async () => {
    const { config } = transport(() => {
      throw new Error('stand-in bug');
    });
    const error = await new DynamoDBClient(config)
      .send(new GetItemCommand({ TableName: 'Items', Key: { pk: { S: 'a' } } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 500 } });
  });

  it('sends a request for any other host over the network handler', async () => {
    const hosts: string[] = [];
    const network: HttpHandler = {
      handle: async (request) => {
        hosts.push(`${request.hostname}:${request.port}`);
        throw new Error('network reached');
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    const { seen, config } = transport(
      () => ({ status: 200, headers: {}, body: '{}' }),
      () => network,
    );
    const error = await new DynamoDBClient({ ...config, endpoint: 'http://127.0.0.1:9' })
      .send(new GetItemCommand({ TableName: 'Items', Key: { pk: { S: 'a' } } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'network reached' });
    expect(hosts).toEqual(['127.0.0.1:9']);
    expect(seen).toEqual([]);
  });
});
