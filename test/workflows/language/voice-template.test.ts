import { describe, expect, it } from 'vitest';
import {
  type PollyVoice,
  type VoiceTemplate,
  validateVoiceTemplate,
} from '../../../workflows/language/voice-template.ts';

const confirmCall: VoiceTemplate = {
  id: 'confirm-call',
  channel: 'voice',
  content: { voice: 'JOANNA', text: 'Hello {{firstName}}, your appointment is confirmed.' },
  locales: {
    fr: {
      voice: 'LEA',
      ssml: '<speak>Bonjour {{firstName}}, <break time="300ms"/> votre rendez-vous est confirmé.</speak>',
    },
  },
};
const scripts = (locales: VoiceTemplate['locales']) => ({
  channel: 'voice' as const,
  content: { voice: 'JOANNA' as const, text: 'Hello' },
  locales,
});

describe('voice templates', () => {
  it('accepts plain text and well-formed SSML with a Polly voice per locale', () => {
    expect(validateVoiceTemplate(confirmCall)).toEqual([]);
  });

  it('names the locale and field of SSML that is not well-formed or has no <speak> root', () => {
    const violations = validateVoiceTemplate({
      id: 'confirm-call',
      ...scripts({
        fr: { voice: 'LEA', ssml: '<speak>Bonjour <break time="300ms"> confirmé.</speak>' },
        en: { voice: 'JOANNA', ssml: '<p>Hello</p>' },
      }),
    });

    expect(violations).toEqual([
      { path: 'confirm-call.fr.ssml', message: expect.stringMatching(/^is not well-formed XML: .*line 1/) },
      { path: 'confirm-call.en.ssml', message: 'SSML must have a <speak> root element' },
    ]);
  });

  it('holds each body to the SendVoiceMessage limit for its type: 3000 as text, 6000 as SSML', () => {
    const ssmlAtLimit = `<speak>${'a'.repeat(6000 - 15)}</speak>`;
    expect(ssmlAtLimit).toHaveLength(6000);
    const violations = validateVoiceTemplate({
      id: 'long',
      ...scripts({
        fr: { voice: 'LEA', text: 'a'.repeat(3001) },
        en: { voice: 'JOANNA', text: 'a'.repeat(3000) },
        de: { voice: 'HANS', ssml: ssmlAtLimit },
        es: { voice: 'LUCIA', ssml: `<speak>${'a'.repeat(6000)}</speak>` },
      }),
    });

    expect(violations.map((v) => v.path)).toEqual(['long.fr.text', 'long.es.ssml']);
    expect(violations[0]?.message).toBe('is 3001 characters; SendVoiceMessage takes at most 3000 as TEXT');
  });

  it('refuses an unknown voice and a script with both or neither body', () => {
    const violations = validateVoiceTemplate({
      id: 'bad',
      ...scripts({
        fr: { voice: 'BOB' as PollyVoice, text: 'Bonjour' },
        en: { voice: 'JOANNA', text: 'Hi', ssml: '<speak>Hi</speak>' } as never,
      }),
    });

    expect(violations).toEqual([
      { path: 'bad.fr.voice', message: '"BOB" is not a SendVoiceMessage VoiceId' },
      { path: 'bad.en.text', message: 'give exactly one of text or ssml' },
    ]);
    expect(
      validateVoiceTemplate({ id: 'neither', channel: 'voice', content: { voice: 'JOANNA' } as never }),
    ).toEqual([{ path: 'neither.default.text', message: 'give exactly one of text or ssml' }]);
  });
});
