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

/** One locale's script: plain text or SSML, never both. */
export type VoiceScript =
  | { readonly voice: PollyVoice; readonly text: string; readonly ssml?: never }
  | { readonly voice: PollyVoice; readonly ssml: string; readonly text?: never };

/** A voice template: scripts by locale (`fr`, `en`...). */
export interface VoiceTemplate {
  readonly id: string;
  readonly locales: Readonly<Record<string, VoiceScript>>;
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
  const locales = Object.entries(template.locales);
  if (locales.length === 0) {
    violations.push({
      path: `${template.id}.locales`,
      message: 'a voice template needs at least one locale',
    });
  }
  for (const [locale, script] of locales) {
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

/** The validated template, or an error naming every violation (for synth). */
export function assertVoiceTemplate(template: VoiceTemplate): VoiceTemplate {
  const violations = validateVoiceTemplate(template);
  if (violations.length > 0) {
    throw new Error(
      `Voice template ${template.id} is invalid:\n${violations.map((v) => `  ${v.path}: ${v.message}`).join('\n')}`,
    );
  }
  return template;
}

function ssmlViolations(ssml: string, path: string): VoiceTemplateViolation[] {
  const result = XMLValidator.validate(ssml);
  if (result !== true) {
    const { msg, line, col } = result.err;
    return [{ path, message: `is not well-formed XML: ${msg} (line ${line}, column ${col})` }];
  }
  if (!/^\s*<speak[\s>]/.test(ssml)) return [{ path, message: 'SSML must have a <speak> root element' }];
  return [];
}
