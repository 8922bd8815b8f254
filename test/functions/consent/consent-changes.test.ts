import { describe, expect, it } from 'vitest';
import type { ConsentRecord } from '#catalogue/contact.ts';
import {
  channelOptedOut,
  confirmDoubleOptIn,
  setTopics,
  topicSubscribed,
  unsubscribe,
} from '../../../functions/consent/consent-changes.ts';
import { contactWith } from '../fixtures.ts';

const AT = '2024-05-02T09:30:00.000Z';
const LINK_PROOF = { kind: 'link', reference: 'sha256:0123456789abcdef01234567' };
const MODES = { newsletter: 'opt_in', onboarding: 'opt_out', offers: 'opt_in' } as const;

const earlier = (status: ConsentRecord['status'], kind = 'form'): ConsentRecord => ({
  status,
  at: '2024-04-01T08:00:00.000Z',
  source: 'signup_form',
  proof: { kind },
});

describe('unsubscribe', () => {
  it('opts the contact out of one topic with source, time and proof, without mutating', () => {
    // Prepare
    const contact = contactWith();
    const before = structuredClone(contact);

    // Act
    const next = unsubscribe(contact, {
      channel: 'email',
      topic: 'newsletter',
      at: AT,
      source: 'list_unsubscribe_one_click',
      proof: LINK_PROOF,
    });

    // Assess
    expect(next.consent.email?.topics.newsletter).toEqual({
      status: 'opted_out',
      at: AT,
      source: 'list_unsubscribe_one_click',
      proof: LINK_PROOF,
    });
    expect(next.consent.email?.channel).toBeUndefined();
    expect(next.updatedAt).toBe(AT);
    expect(contact).toEqual(before);
  });

  it('opts the whole channel out when no topic is given, keeping topic records', () => {
    // Prepare
    const contact = contactWith({ consent: { email: { topics: { offers: earlier('opted_in') } } } });

    // Act
    const next = unsubscribe(contact, {
      channel: 'email',
      at: AT,
      source: 'unsubscribe_page',
      proof: LINK_PROOF,
    });

    // Assess
    expect(next.consent.email?.channel?.status).toBe('opted_out');
    expect(next.consent.email?.topics.offers).toEqual(earlier('opted_in'));
    expect(channelOptedOut(next, 'email')).toBe(true);
    expect(topicSubscribed(next, 'email', 'offers', 'opt_in')).toBe(false);
  });

  it('changes nothing (same object) when already opted out, so the first proof stands', () => {
    // Prepare
    const contact = contactWith({ consent: { email: { topics: { newsletter: earlier('opted_out') } } } });

    // Act
    const next = unsubscribe(contact, {
      channel: 'email',
      topic: 'newsletter',
      at: AT,
      source: 'list_unsubscribe_one_click',
      proof: LINK_PROOF,
    });

    // Assess
    expect(next).toBe(contact);
  });

  it('leaves the other channel alone', () => {
    // Prepare
    const contact = contactWith({ consent: { sms: { channel: earlier('opted_in'), topics: {} } } });

    // Act
    const next = unsubscribe(contact, {
      channel: 'email',
      at: AT,
      source: 'unsubscribe_page',
      proof: LINK_PROOF,
    });

    // Assess
    expect(next.consent.sms).toEqual(contact.consent.sms);
  });
});

describe('setTopics', () => {
  const provenance = { at: AT, source: 'preference_page', proof: LINK_PROOF };

  it('records only the topics whose state changes', () => {
    // Prepare: newsletter was confirmed by double opt-in; onboarding has no record (opt-out mode).
    const confirmed = earlier('opted_in', 'double_opt_in');
    const contact = contactWith({ consent: { email: { topics: { newsletter: confirmed } } } });

    // Act: keep newsletter, drop onboarding, add offers.
    const next = setTopics(contact, {
      channel: 'email',
      choices: { newsletter: true, onboarding: false, offers: true },
      topicModes: MODES,
      ...provenance,
    });

    // Assess
    expect(next.consent.email?.topics).toEqual({
      newsletter: confirmed,
      onboarding: { status: 'opted_out', ...provenance },
      offers: { status: 'opted_in', ...provenance },
    });
    expect(next.updatedAt).toBe(AT);
  });

  it('returns the same contact when nothing changes', () => {
    // Prepare
    const contact = contactWith();

    // Act: the defaults as they are: opt-out topics on, opt-in topics off.
    const next = setTopics(contact, {
      channel: 'email',
      choices: { newsletter: false, onboarding: true, offers: false },
      topicModes: MODES,
      ...provenance,
    });

    // Assess
    expect(next).toBe(contact);
  });

  it('opts the channel back in when a topic is chosen after a channel-wide unsubscribe', () => {
    // Prepare
    const contact = contactWith({ consent: { email: { channel: earlier('opted_out'), topics: {} } } });
    expect(topicSubscribed(contact, 'email', 'onboarding', 'opt_out')).toBe(false);

    // Act
    const next = setTopics(contact, {
      channel: 'email',
      choices: { newsletter: true, onboarding: false, offers: false },
      topicModes: MODES,
      ...provenance,
    });

    // Assess
    expect(next.consent.email?.channel).toEqual({ status: 'opted_in', ...provenance });
    expect(topicSubscribed(next, 'email', 'newsletter', 'opt_in')).toBe(true);
    expect(topicSubscribed(next, 'email', 'onboarding', 'opt_out')).toBe(false);
    expect(topicSubscribed(next, 'email', 'offers', 'opt_in')).toBe(false);
  });

  it('keeps the channel opted out when no topic is chosen', () => {
    // Prepare
    const contact = contactWith({ consent: { email: { channel: earlier('opted_out'), topics: {} } } });

    // Act
    const next = setTopics(contact, {
      channel: 'email',
      choices: { newsletter: false, onboarding: false, offers: false },
      topicModes: MODES,
      ...provenance,
    });

    // Assess
    expect(next.consent.email?.channel).toEqual(earlier('opted_out'));
  });
});

describe('confirmDoubleOptIn', () => {
  it('records the topic opt-in with proof double_opt_in', () => {
    // Prepare
    const contact = contactWith({ consent: { email: { topics: { newsletter: earlier('pending') } } } });

    // Act
    const next = confirmDoubleOptIn(contact, {
      channel: 'email',
      topic: 'newsletter',
      at: AT,
      source: 'confirmation_link',
      reference: 'sha256:abc',
    });

    // Assess
    expect(next.consent.email?.topics.newsletter).toEqual({
      status: 'opted_in',
      at: AT,
      source: 'confirmation_link',
      proof: { kind: 'double_opt_in', reference: 'sha256:abc' },
    });
    expect(topicSubscribed(next, 'email', 'newsletter', 'opt_in')).toBe(true);
  });

  it('records a channel-wide confirmation', () => {
    // Act
    const next = confirmDoubleOptIn(contactWith(), { channel: 'email', at: AT, source: 'confirmation_link' });

    // Assess
    expect(next.consent.email?.channel).toEqual({
      status: 'opted_in',
      at: AT,
      source: 'confirmation_link',
      proof: { kind: 'double_opt_in' },
    });
  });

  it('opts the channel back in when a topic is confirmed after a channel-wide unsubscribe', () => {
    // Prepare
    const contact = contactWith({ consent: { email: { channel: earlier('opted_out'), topics: {} } } });

    // Act
    const next = confirmDoubleOptIn(contact, {
      channel: 'email',
      topic: 'newsletter',
      at: AT,
      source: 'confirmation_link',
    });

    // Assess
    expect(next.consent.email?.channel?.status).toBe('opted_in');
    expect(next.consent.email?.channel?.proof.kind).toBe('double_opt_in');
  });

  it('keeps the first confirmation when the link is followed again', () => {
    // Prepare
    const first = confirmDoubleOptIn(contactWith(), {
      channel: 'email',
      topic: 'newsletter',
      at: AT,
      source: 'confirmation_link',
    });

    // Act
    const again = confirmDoubleOptIn(first, {
      channel: 'email',
      topic: 'newsletter',
      at: '2024-05-03T00:00:00.000Z',
      source: 'confirmation_link',
    });

    // Assess
    expect(again).toBe(first);
  });

  it('upgrades an opt-in proven otherwise to a double opt-in', () => {
    // Prepare
    const contact = contactWith({
      consent: { email: { topics: { newsletter: earlier('opted_in', 'form') } } },
    });

    // Act
    const next = confirmDoubleOptIn(contact, {
      channel: 'email',
      topic: 'newsletter',
      at: AT,
      source: 'confirmation_link',
    });

    // Assess
    expect(next.consent.email?.topics.newsletter?.proof.kind).toBe('double_opt_in');
  });
});
