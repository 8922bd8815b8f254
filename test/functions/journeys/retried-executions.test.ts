// An execution whose Enter or Resume task ran once, took the run, and then died (a Lambda timeout
// the Retry policy runs again, or a local process killed mid-execution and started again) must go
// on with the run. Before the claim carried the execution's name, the second attempt found the run
// taken ('duplicate_trigger', 'already_resumed') and the run stayed `active` forever with no
// execution left to move it: issue 17's "12 runs stayed active forever". Another execution (a
// duplicate schedule fire, a replayed event) still finds the run taken.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useClock } from '#platform/clock.ts';
import type { JourneyDeps } from '../../../functions/journeys/context.ts';
import type { RunsRepository } from '../../../functions/journeys/runs-repository.ts';
import { findJourney } from '../../../workflows/journeys/index.ts';
import { templates } from '../../../workflows/templates/index.ts';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');

const signUp = (contactId: string) => ({
  'detail-type': 'contact.signed_up',
  detail: {
    eventId: `evt-${contactId}`,
    occurredAt: '2026-03-02T10:00:00Z',
    source: 'shop.test',
    contact: { contactId },
  },
});

describe('an execution retried or started again after it took the run', () => {
  let dynamo: LocalDynamo;
  let journeys: typeof import('../../../functions/journeys/enter-resume.ts');
  let deps: JourneyDeps;
  let runs: RunsRepository;
  let tables = 0;
  let restoreClock: () => void;

  beforeAll(async () => {
    dynamo = await startDynalite();
    restoreClock = useClock({ now: () => T0 });
    journeys = await import('../../../functions/journeys/enter-resume.ts');
  });
  afterAll(async () => {
    restoreClock();
    await dynamo.stop();
  });

  beforeEach(async () => {
    const suffix = ++tables;
    await dynamo.createTable(`state-${suffix}`);
    await dynamo.createTable(`contacts-${suffix}`, { sortKey: false });
    const { RunsRepository } = await import('../../../functions/journeys/runs-repository.ts');
    const { ContactsRepository } = await import('../../../functions/contacts/contacts-repository.ts');
    runs = new RunsRepository(`state-${suffix}`);
    // Only Enter and Resume run here: the other dependencies are never called.
    deps = {
      runs,
      contacts: new ContactsRepository(`contacts-${suffix}`),
      targets: {},
      findJourney,
      templates,
    } as unknown as JourneyDeps;
  });

  it('lets the execution that entered a run go on with it, and no other', async () => {
    // Arrange: execution A entered the run, then died before its first segment ended.
    const first = await journeys.enter(deps, 'welcome', signUp('c-1'), undefined, undefined, 'exec-A');
    expect(first.proceed).toBe(true);

    // Act: A's Enter runs again (retry or restart); another execution B brings the same event.
    const again = await journeys.enter(deps, 'welcome', signUp('c-1'), undefined, undefined, 'exec-A');
    const other = await journeys.enter(deps, 'welcome', signUp('c-1'), undefined, undefined, 'exec-B');

    // Assert: A goes on with the same run generation; B does not.
    expect(again).toMatchObject({ proceed: true, runKey: first.runKey, gen: first.gen });
    expect(other).toMatchObject({ proceed: false, reason: 'duplicate_trigger' });
    expect((await runs.get('welcome', String(first.runKey)))?.gen).toBe(first.gen);
  });

  it('lets the execution that claimed a wake-up claim it again, and no other', async () => {
    // Arrange: a run paused at a wait; execution A claims its wake-up and dies.
    const entered = await journeys.enter(deps, 'welcome', signUp('c-2'), undefined, undefined, 'exec-enter');
    const ref = { journeyId: 'welcome', runKey: String(entered.runKey), gen: Number(entered.gen) };
    await runs.pause(ref, { stepId: 'two-days', kind: 'wait', until: '2026-03-04T10:00:00.000Z' }, 'now');
    const request = { runKey: ref.runKey, gen: ref.gen, stepId: 'two-days', via: 'wait' } as const;
    const first = await journeys.resume(deps, 'welcome', request, undefined, 'exec-A');
    expect(first.proceed).toBe(true);

    // Act
    const again = await journeys.resume(deps, 'welcome', request, undefined, 'exec-A');
    const duplicate = await journeys.resume(deps, 'welcome', request, undefined, 'exec-B');

    // Assert
    expect(again).toMatchObject({ proceed: true, resumeAt: first.resumeAt });
    expect(duplicate).toMatchObject({ proceed: false, reason: 'already_resumed' });
  });

  it('lets the execution that consumed an event resolution consume it again, and no other', async () => {
    // Arrange: the router claimed the run for an event; execution A consumed it and died.
    const entered = await journeys.enter(deps, 'welcome', signUp('c-3'), undefined, undefined, 'exec-enter');
    const ref = { journeyId: 'welcome', runKey: String(entered.runKey), gen: Number(entered.gen) };
    await runs.pause(ref, { stepId: 'two-days', kind: 'wait', until: '2026-03-04T10:00:00.000Z' }, 'now');
    await runs.claimResume(ref, { stepId: 'two-days', via: 'event', event: { eventId: 'evt-order' } }, 'now');
    const request = { runKey: ref.runKey, gen: ref.gen, stepId: 'two-days', via: 'event' } as const;
    expect((await journeys.resume(deps, 'welcome', request, undefined, 'exec-A')).proceed).toBe(true);

    // Act
    const again = await journeys.resume(deps, 'welcome', request, undefined, 'exec-A');
    const duplicate = await journeys.resume(deps, 'welcome', request, undefined, 'exec-B');

    // Assert
    expect(again.proceed).toBe(true);
    expect(duplicate).toMatchObject({ proceed: false, reason: 'already_resumed' });
  });
});
