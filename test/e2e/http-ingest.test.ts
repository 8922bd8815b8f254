import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  eventId,
  type LocalSystem,
  signUpPosted,
  startLocalSystem,
  T0,
} from '../support/local-system.ts';

describe('POST /events on the local API Gateway', () => {
  let system: LocalSystem;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${system.endpoint}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
      body,
    });

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('accepts a valid event with 202, and the welcome journey sends its e-mail', async () => {
    const id = eventId('http');
    const response = await post(JSON.stringify(signUpPosted(id, 'http.user@example.com')));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: true, eventId: id, type: 'contact.signed_up' });
    await system.runtime.idle();
    expect(system.emailsTo('http.user@example.com').map((m) => m.subject)).toEqual([
      'Welcome to Relance Demo Shop, Lin!',
    ]);
  });

  it('refuses a bad event with 400 naming the field, and forwards nothing', async () => {
    const eventsBefore = system.runtime.bus.putCount;
    const response = await post(
      JSON.stringify({
        type: 'cart.updated',
        detail: {
          eventId: eventId('bad'),
          occurredAt: new Date(T0).toISOString(),
          source: 'site',
          contact: { email: 'x@example.com' },
          cartId: 'c',
          items: [{ sku: 'A', name: 'A', qty: 0, price: 1 }],
          value: 1,
          currency: 'EUR',
        },
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field)).toContain('detail.items.0.qty');
    expect(system.runtime.bus.putCount).toBe(eventsBefore);
  });

  it('refuses an attribute called constructor with 400 naming it (it was 202, then dead-lettered by ingest)', async () => {
    // Prepare
    const eventsBefore = system.runtime.bus.putCount;
    const detail = {
      eventId: eventId('ctor'),
      occurredAt: new Date(T0).toISOString(),
      source: 'site',
      contact: { email: 'ctor@example.com' },
      attributes: { constructor: 'x' },
    };

    // Act
    const response = await post(JSON.stringify({ type: 'contact.signed_up', detail }));

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        {
          field: 'detail.attributes.constructor',
          message: '"constructor" is a name JavaScript objects reserve; choose another attribute name',
        },
      ],
    });
    expect(system.runtime.bus.putCount).toBe(eventsBefore);
  });

  it('records the same event put on the bus directly in the rejected-events queue, naming the attribute', async () => {
    // Prepare
    const rejected = system.runtime.app.queues.find((q) => /reject/i.test(q.name));
    const queued = () => system.runtime.sqs.queues().find((q) => q.name === rejected?.name)?.messages ?? [];
    const before = queued().length;

    // Act
    await system.put('contact.signed_up', {
      eventId: eventId('ctor-bus'),
      occurredAt: new Date(T0).toISOString(),
      source: 'shop.test',
      contact: { email: 'ctor.bus@example.com' },
      attributes: { constructor: 'x' },
    });

    // Assess
    const added = queued().slice(before);
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0]?.body ?? '{}').errors).toEqual([
      expect.objectContaining({ field: 'detail.attributes.constructor' }),
    ]);
    expect(system.emailsTo('ctor.bus@example.com')).toEqual([]);
  });

  it('refuses a content type that only mentions JSON with 415', async () => {
    const response = await post('{}', { 'content-type': 'application/not-json' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      errors: [{ field: 'content-type', message: 'must be application/json' }],
    });
  });

  it('refuses a request without the API key with 403, before any handler runs', async () => {
    const response = await post('{}', { 'x-api-key': 'wrong' });
    expect(response.status).toBe(403);
  });

  it('refuses malformed JSON with 400 on the body', async () => {
    const response = await post('{"type": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ field: 'body', message: 'is not valid JSON' }] });
  });
});
