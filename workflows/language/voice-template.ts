/**
 * Voice templates: what an automated call says, per locale, as plain text or SSML, with the Amazon
 * Polly voice that reads it. Checked before synth against End User Messaging's SendVoiceMessage
 * limits (MessageBody: 3000 characters as TEXT, 6000 as SSML including its tags; VoiceId from
 * the service's list) and, for SSML, XML well-formedness with a `<speak>` root, so a broken script
 * fails the build rather than the call.
 */
import { XMLValidator } from 'fast-xml-parser';

/** SendVoiceMessage's MessageBody limit per MessageBodyTextType. */
export const VOICE_BODY_LIMITS = { TEXT: 3000, SSML: 6000 } as const;

/** SendVoiceMessage's VoiceId values. */
export const POLLY_VOICES = [
  'AMY',
  'ASTRID',
  'BIANCA',
  'BRIAN',
  'CAMILA',
  'CARLA',
  'CARMEN',
  'CELINE',
  'CHANTAL',
  'CONCHITA',
  'CRISTIANO',
  'DORA',
  'EMMA',
  'ENRIQUE',
  'EWA',
  'FILIZ',
  'GERAINT',
  'GIORGIO',
  'GWYNETH',
  'HANS',
  'INES',
  'IVY',
  'JACEK',
  'JAN',
  'JOANNA',
  'JOEY',
  'JUSTIN',
  'KARL',
  'KENDRA',
  'KIMBERLY',
  'LEA',
  'LIV',
  'LOTTE',
  'LUCIA',
  'LUPE',
  'MADS',
  'MAJA',
  'MARLENE',
  'MATHIEU',
  'MATTHEW',
  'MAXIM',
  'MIA',
  'MIGUEL',
  'MIZUKI',
  'NAJA',
  'NICOLE',
  'PENELOPE',
  'RAVEENA',
  'RICARDO',
  'RUBEN',
  'RUSSELL',
  'SALLI',
  'SEOYEON',
  'TAKUMI',
  'TATYANA',
  'VICKI',
  'VITORIA',
  'ZEINA',
  'ZHIYU',
] as const;

export type PollyVoice = (typeof POLLY_VOICES)[number];

/** One locale's script, read by `voice`: plain text or SSML (Liquid in either), never both. */
export type VoiceScript =
  | { readonly voice: PollyVoice; readonly text: string; readonly ssml?: never }
  | { readonly voice: PollyVoice; readonly ssml: string; readonly text?: never };

/**
 * A voice template: what a call says, the default script in `content` and variants by locale
 * (`fr`, `de-CH`), each with the Polly voice that speaks its language.
 */
export interface VoiceTemplate {
  readonly id: string;
  readonly channel: 'voice';
  readonly content: VoiceScript;
  readonly locales?: Readonly<Record<string, VoiceScript>>;
}

export interface VoiceTemplateViolation {
  /** Where: `<template id>.<locale>.<field>`. */
  readonly path: string;
  readonly message: string;
}

const knownVoices = new Set<string>(POLLY_VOICES);

/** Every problem in a voice template; an empty list when it can be sent. */
export function validateVoiceTemplate(template: VoiceTemplate): VoiceTemplateViolation[] {
  const violations: VoiceTemplateViolation[] = [];
  const scripts: Array<[string, VoiceScript]> = [
    ['default', template.content],
    ...Object.entries(template.locales ?? {}),
  ];
  for (const [locale, script] of scripts) {
    const at = (field: string) => `${template.id}.${locale}.${field}`;
    if (!knownVoices.has(script.voice)) {
      violations.push({ path: at('voice'), message: `"${script.voice}" is not a SendVoiceMessage VoiceId` });
    }
    const hasText = typeof script.text === 'string';
    const hasSsml = typeof script.ssml === 'string';
    if (hasText === hasSsml) {
      violations.push({ path: at('text'), message: 'give exactly one of text or ssml' });
      continue;
    }
    const [field, body, limit] = hasSsml
      ? (['ssml', script.ssml ?? '', VOICE_BODY_LIMITS.SSML] as const)
      : (['text', script.text ?? '', VOICE_BODY_LIMITS.TEXT] as const);
    if (body.trim() === '') violations.push({ path: at(field), message: 'is empty' });
    if (body.length > limit) {
      violations.push({
        path: at(field),
        message: `is ${body.length} characters; SendVoiceMessage takes at most ${limit} as ${field.toUpperCase()}`,
      });
    }
    if (hasSsml) violations.push(...ssmlViolations(body, at('ssml')));
  }
  return violations;
}

/** Problems of one SSML document (also checked once rendered, since values are inserted into it). */
export function ssmlViolations(ssml: string, path: string): VoiceTemplateViolation[] {
  const result = XMLValidator.validate(ssml);
  if (result !== true) {
    const { msg, line, col } = result.err;
    return [{ path, message: `is not well-formed XML: ${msg} (line ${line}, column ${col})` }];
  }
  if (!/^\s*<speak[\s>]/.test(ssml)) return [{ path, message: 'SSML must have a <speak> root element' }];
  return [];
}
