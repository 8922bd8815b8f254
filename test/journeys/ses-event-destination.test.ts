// SES publishes to EventBridge only the event types its configuration set's destination matches
// (MatchingEventTypes). The local runtime published every type whatever the template said, so a
// template that stopped subscribing to one still saw it locally.
import { afterEach, describe, expect, it } from 'vitest';
import { editAppTemplate, eventId, type LocalSystem, startLocalSystem } from '../support/local-system.ts';

type Destination = { EventDestination: { MatchingEventTypes: string[]; Enabled?: boolean } };

/** An assembly edit that changes the SES configuration set's EventBridge destination. */
const editDestination = (edit: (destination: Destination['EventDestination']) => void) =>
  editAppTemplate((template) => {
    const destinations = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::SES::ConfigurationSetEventDestination',
    );
    expect(destinations).toHaveLength(1);
    for (const resource of destinations) edit((resource.Properties as Destination).EventDestination);
  });

describe("SES events the configuration set's destination matches", () => {
  let system: LocalSystem | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  /** Signs a contact up, lets the welcome e-mail go and its feedback follow; the SES events put on the bus. */
  const sesEventsOfAWelcome = async (started: LocalSystem, email: string) => {
    await started.put('contact.signed_up', {
      eventId: eventId(email),
      occurredAt: new Date(started.runtime.clock.now()).toISOString(),
      source: 'shop.test',
      contact: { email },
    });
    await started.runtime.idle();
    await started.advance(5_000);
    return started.runtime.bus.events
      .filter((record) => record.event.source === 'aws.ses')
      .map((record) => record.event['detail-type']);
  };

  it('publishes only the matching types: without SEND, the Delivery alone settles the entry', async () => {
    // Prepare
    system = await startLocalSystem({
      editAssembly: editDestination((destination) => {
        destination.MatchingEventTypes = destination.MatchingEventTypes.filter((type) => type !== 'SEND');
      }),
    });

    // Act
    const published = await sesEventsOfAWelcome(system, 'no-send@example.com');

    // Assess
    expect(published).toEqual(['Email Delivered']);
    const entry = (await system.ledgerFor('no-send@example.com')).find((e) => e.journeyId === 'welcome');
    expect(entry?.status).toBe('sent');
    expect(entry?.deliveryEvents?.map((e) => e.split(' ')[1])).toEqual(['delivered']);
  });

  it('publishes nothing through a destination that is not enabled', async () => {
    // Prepare
    system = await startLocalSystem({
      editAssembly: editDestination((destination) => {
        destination.Enabled = false;
      }),
    });

    // Act
    const published = await sesEventsOfAWelcome(system, 'disabled@example.com');

    // Assess
    expect(published).toEqual([]);
    expect(system.runtime.ses.sent.accepted).toBeGreaterThan(0);
  });

  it('publishes Send then Delivery as deployed', async () => {
    // Prepare
    system = await startLocalSystem();

    // Act
    const published = await sesEventsOfAWelcome(system, 'deployed@example.com');

    // Assess
    expect(published).toEqual(['Email Sent', 'Email Delivered']);
  });
});
