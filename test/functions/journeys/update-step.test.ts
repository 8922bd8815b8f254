// The journey update step never overwrites an attribute a rep locked (lockedFields), like ingest.
import { describe, expect, it } from 'vitest';
import type { Contact } from '#catalogue/contact.ts';
import { defineJourney, update } from '#language/builder.ts';
import type { ContactsRepository } from '../../../functions/contacts/contacts-repository.ts';
import { update as updateStep } from '../../../functions/journeys/actions.ts';
import type { JourneyDeps } from '../../../functions/journeys/context.ts';
import { contactWith } from '../fixtures.ts';

const journey = defineJourney({
  id: 'tagger',
  description: 'tags and scores',
  trigger: { event: 'contact.signed_up' },
  entry: { reentry: false },
  steps: [update('mark', { setAttributes: { plan: 'trial', score: 10 }, addTags: ['seen'] })],
});

/** A contacts repository holding one contact in memory, with the version check of the real one. */
function memoryContacts(initial: Contact) {
  let stored = initial;
  const contacts = {
    get: async () => stored,
    save: async (contact: Contact, readVersion: number | undefined) => {
      if (readVersion !== stored.version) return false;
      stored = { ...contact, version: stored.version + 1 };
      return true;
    },
  } as unknown as ContactsRepository;
  return { contacts, current: () => stored };
}

describe('the update step', () => {
  it('sets attributes and tags, leaving an attribute a rep locked alone', async () => {
    // Prepare
    const memory = memoryContacts(
      contactWith({ attributes: { plan: 'enterprise' }, lockedFields: ['attributes.plan'], version: 3 }),
    );
    const deps = { contacts: memory.contacts, findJourney: () => journey } as unknown as JourneyDeps;

    // Act
    await updateStep(deps, 'tagger', 'mark', {
      proceed: true,
      journeyId: 'tagger',
      runKey: 'contact:c-42',
      gen: 1,
      contactId: 'c-42',
      trigger: {},
    });

    // Assess
    expect(memory.current()).toMatchObject({
      attributes: { plan: 'enterprise', score: 10 },
      tags: ['seen'],
      version: 4,
    });
  });
});
