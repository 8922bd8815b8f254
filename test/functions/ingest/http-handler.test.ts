import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { examples } from '../../workflows/catalogue/examples.ts';
import { apiEvent } from '../api-event.ts';
import { lambdaContext } from '../lambda-context.ts';

const BUS = 'relance-test-bus';

const eventBridgeMock = mockClient(EventBridgeClient);

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let handler: Handler;

beforeAll(async () => {
  process.env.EVENT_BUS_NAME = BUS;
  ({ handler } = await import('../../../functions/ingest/http-handler.ts'));
});

beforeEach(() => {
  eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

afterEach(() => {
  eventBridgeMock.reset();
});

/** An API Gateway (REST, v1) proxy event for POST /events. */
function postEvents(
  body: string | null,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): APIGatewayProxyEvent {
  return apiEvent({ body, headers, path: '/events', resource: '/events' });
}

function postJson(value: unknown): APIGatewayProxyEvent {
  return postEvents(JSON.stringify(value));
}

async function call(
  event: APIGatewayProxyEvent,
): Promise<{ statusCode: number; body: unknown; raw: string }> {
  const result = (await handler(event, lambdaContext('ingest-http'))) as APIGatewayProxyResult;
  return { statusCode: result.statusCode, body: JSON.parse(result.body), raw: result.body };
}

function fieldsOf(body: unknown): string[] {
  const errors = (body as { errors?: Array<{ field: string }> }).errors ?? [];
  return errors.map((error) => error.field);
}

describe('POST /events', () => {
  it('accepts a valid event with 202 and forwards exactly one entry to the bus', async () => {
    // Prepare
    const detail = examples['cart.updated'];

    // Act
    const response = await call(postJson({ type: 'cart.updated', detail }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({ accepted: true, eventId: 'evt-cart-1', type: 'cart.updated' });
    const calls = eventBridgeMock.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]?.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      EventBusName: BUS,
      Source: 'relance.http',
      DetailType: 'cart.updated',
    });
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toEqual(detail);
  });

  it('forwards the parsed (normalized) detail, not the raw one', async () => {
    // Prepare
    const detail = examples['contact.signed_up'];

    // Act
    const response = await call(postJson({ type: 'contact.signed_up', detail }));

    // Assess
    expect(response.statusCode).toBe(202);
    const entry = eventBridgeMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe('contact.signed_up');
    const forwarded = JSON.parse(entry?.Detail ?? '{}');
    expect(forwarded.contact).toEqual({ email: 'ada@example.com', phone: '+33612345678' });
    expect(forwarded.eventId).toBe('evt-signup-1');
  });

  it('answers 400 naming `body` for malformed JSON', async () => {
    // Act
    const response = await call(postEvents('{"type": "cart.updated", "detail": {'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['body']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it.each([
    ['null', null],
    ['empty', ''],
    ['blank', '   \n'],
  ])('answers 400 naming `body` for a %s body', async (_label, body) => {
    // Act
    const response = await call(postEvents(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['body']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 naming `detail.items.0.qty` when a quantity is a string', async () => {
    // Prepare
    const cart = examples['cart.updated'];
    const items = cart.items as Array<Record<string, unknown>>;
    const detail = { ...cart, items: items.map((item, i) => (i === 0 ? { ...item, qty: '2' } : item)) };

    // Act
    const response = await call(postJson({ type: 'cart.updated', detail }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toContain('detail.items.0.qty');
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 naming `type` for an unknown event type', async () => {
    // Act
    const response = await call(postJson({ type: 'cart.exploded', detail: examples['cart.updated'] }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['type']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 naming `type` when the type is missing', async () => {
    // Act
    const response = await call(postJson({ detail: examples['cart.updated'] }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['type']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 naming `detail.contact` when the contact has no identity', async () => {
    // Prepare
    const detail = { ...examples['cart.updated'], contact: {} };

    // Act
    const response = await call(postJson({ type: 'cart.updated', detail }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response.body)).toEqual(['detail.contact']);
    expect(response.raw).toMatch(/contactId, externalId, email or phone/);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 413 for a body over 64 KB', async () => {
    // Prepare
    const padding = 'x'.repeat(64 * 1024);
    const body = JSON.stringify({ type: 'cart.updated', detail: { ...examples['cart.updated'], padding } });

    // Act
    const response = await call(postEvents(body));

    // Assess
    expect(response.statusCode).toBe(413);
    expect(fieldsOf(response.body)).toEqual(['body']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 415 for a non-JSON content type', async () => {
    // Prepare
    const body = JSON.stringify({ type: 'cart.updated', detail: examples['cart.updated'] });

    // Act
    const response = await call(postEvents(body, { 'content-type': 'text/plain' }));

    // Assess
    expect(response.statusCode).toBe(415);
    expect(fieldsOf(response.body)).toEqual(['content-type']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 415 for a content type that only mentions JSON (application/not-json)', async () => {
    // Prepare
    const body = JSON.stringify({ type: 'cart.updated', detail: examples['cart.updated'] });

    // Act
    const refused = await call(postEvents(body, { 'content-type': 'application/not-json' }));
    const structured = await call(postEvents(body, { 'content-type': 'application/cloudevents+json' }));

    // Assess
    expect(refused.statusCode).toBe(415);
    expect(refused.body).toEqual({
      errors: [{ field: 'content-type', message: 'must be application/json' }],
    });
    expect(structured.statusCode).toBe(202);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it.each(['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty'])(
    'answers 400 naming an attribute called %s, and forwards nothing (it was answered 202, then dead-lettered)',
    async (name) => {
      // Prepare: written by hand, as JSON.stringify of an object literal would lose `__proto__`.
      const { attributes: _, ...signUp } = examples['contact.signed_up'];
      const detail = JSON.stringify(signUp).replace(/}$/, `,"attributes":{"${name}":"x"}}`);

      // Act
      const response = await call(postEvents(`{"type":"contact.signed_up","detail":${detail}}`));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.body).toEqual({
        errors: [
          {
            field: `detail.attributes.${name}`,
            message: expect.stringContaining(`"${name}" is a name JavaScript objects reserve`),
          },
        ],
      });
      expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
    },
  );

  it('answers 400 naming each JSON key sent twice, instead of keeping the last', async () => {
    // Prepare
    const detail = JSON.stringify(examples['cart.updated']).replace(/}$/, ',"cartId":"another-cart"}');

    // Act
    const response = await call(
      postEvents(`{"type":"cart.updated","detail":${detail},"type":"order.completed"}`),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { field: 'type', message: 'is sent more than once; send it once' },
        { field: 'detail.cartId', message: 'is sent more than once; send it once' },
      ],
    });
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 400 for a country or a currency missing from the ISO lists', async () => {
    // Prepare
    const signUp = { ...examples['contact.signed_up'], country: 'ZZ' };
    const cart = { ...examples['cart.updated'], currency: 'ABC' };

    // Act
    const country = await call(postJson({ type: 'contact.signed_up', detail: signUp }));
    const currency = await call(postJson({ type: 'cart.updated', detail: cart }));

    // Assess
    expect(country.statusCode).toBe(400);
    expect(country.body).toEqual({
      errors: [{ field: 'detail.country', message: '"ZZ" is not an ISO-3166-1 alpha-2 country code' }],
    });
    expect(currency.statusCode).toBe(400);
    expect(fieldsOf(currency.body)).toEqual(['detail.currency']);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('strips control characters from text and refuses CR or LF in a one-line field', async () => {
    // Prepare: an escape sequence that retitles and clears a terminal, then a header injection.
    const titled = {
      ...examples['contact.signed_up'],
      firstName: 'Ann\u001b]0;owned\u0007\u001b[2Je',
      attributes: { note: 'a\u0000b\r\nc' },
    };
    const injected = { ...examples['contact.signed_up'], lastName: 'Doe\r\nBcc: everyone@example.com' };

    // Act
    const stripped = await call(postJson({ type: 'contact.signed_up', detail: titled }));
    const refused = await call(postJson({ type: 'contact.signed_up', detail: injected }));

    // Assess
    expect(stripped.statusCode).toBe(202);
    const forwarded = JSON.parse(
      eventBridgeMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}',
    );
    expect(forwarded.firstName).toBe('Ann]0;owned[2Je');
    expect(forwarded.attributes).toEqual({ note: 'ab\nc' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toEqual({
      errors: [{ field: 'detail.lastName', message: 'must be one line (no CR or LF)' }],
    });
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('answers 503 without the SDK error text when EventBridge rejects the entry', async () => {
    // Prepare
    eventBridgeMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'shard 7f3a of bus relance-test-bus down' }],
    });

    // Act
    const response = await call(postJson({ type: 'cart.updated', detail: examples['cart.updated'] }));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(fieldsOf(response.body)).toEqual(['service']);
    expect(response.raw).not.toMatch(/InternalFailure|shard 7f3a|relance-test-bus|PutEvents/);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('answers 503 without the SDK error text when PutEvents throws', async () => {
    // Prepare
    const error = new Error('User arn:aws:iam::123456789012:role/ingest-http is not authorized');
    error.name = 'AccessDeniedException';
    eventBridgeMock.on(PutEventsCommand).rejects(error);

    // Act
    const response = await call(postJson({ type: 'cart.updated', detail: examples['cart.updated'] }));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(fieldsOf(response.body)).toEqual(['service']);
    expect(response.raw).not.toMatch(/AccessDenied|arn:aws|not authorized|123456789012/);
  });
});
