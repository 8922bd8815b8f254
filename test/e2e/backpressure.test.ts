// Backpressure instead of loss: when the local runtime's backlog is at its limit, POST /events is
// answered 429 and an outside PutEvents ThrottlingException, before anything is accepted; whatever
// was answered 202 is delivered, never dead-lettered.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventId,
  type LocalSystem,
  postEvent,
  signUpPosted,
  startLocalSystem,
} from '../support/local-system.ts';

const signUp = (email: string) => JSON.stringify(signUpPosted(eventId('bp'), email));

describe('backpressure on the local runtime', () => {
  let system: LocalSystem | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });
  const post = (body: string) => postEvent(system?.endpoint ?? '', body);

  it('refuses outside work with 429 and ThrottlingException while the backlog is full, accepting nothing', async () => {
    system = await startLocalSystem({ maxBacklog: 0 });
    const putsBefore = system.runtime.bus.putCount;

    const response = await post(signUp('refused@example.com'));
    const client = new EventBridgeClient({
      endpoint: system.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'producer', secretAccessKey: 'producer' },
      maxAttempts: 1,
    });
    const put = client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop.test', DetailType: 'contact.signed_up', Detail: '{}', EventBusName: 'default' },
        ],
      }),
    );

    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ message: 'Too Many Requests' });
    await expect(put).rejects.toMatchObject({ name: 'ThrottlingException' });
    client.destroy();
    await system.runtime.idle();
    expect(system.runtime.bus.putCount).toBe(putsBefore);
    expect(system.emailsTo('refused@example.com')).toEqual([]);
    expect(system.runtime.api.throttledCount + system.runtime.bus.throttledCount).toBe(2);
  });

  it('delivers every event it answered 202 under a burst past the limit, and dead-letters none', async () => {
    system = await startLocalSystem({ maxBacklog: 4 });
    const emails = Array.from({ length: 40 }, (_, i) => `burst.${i}@example.com`);

    // One after the other, without waiting for the system to settle: the backlog builds up.
    const statuses: number[] = [];
    for (const email of emails) statuses.push((await post(signUp(email))).status);
    await system.runtime.idle();

    expect(statuses.every((status) => status === 202 || status === 429)).toBe(true);
    const accepted = emails.filter((_, i) => statuses[i] === 202);
    // The first one finds an empty backlog; later ones find the earlier ones' deliveries in flight.
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(emails.length);
    for (const email of emails) {
      const welcome = system.emailsTo(email).filter((m) => m.subject.startsWith('Welcome'));
      expect(welcome, email).toHaveLength(accepted.includes(email) ? 1 : 0);
    }
    const deadLettered = system.runtime.sqs.queues().reduce((sum, q) => sum + q.messages.length, 0);
    expect(deadLettered).toBe(0);
  });
});
