/**
 * The custom contact attributes (`contact.attributes.<name>`) this deployment uses, each with its
 * type. Journeys (branches, trigger filters, updates, templates) and segments may read only these,
 * so a typo such as `contact.attributes.plann` fails `cdk synth` instead of silently matching nobody.
 */
import type { AttributeDeclarations } from '#language/types.ts';

export const contactAttributes = {
  /** The subscription plan: `free`, `pro`, `enterprise`. */
  plan: 'string',
  /** The account's tier for key-account management. */
  accountTier: 'string',
  industry: 'string',
} as const satisfies AttributeDeclarations;
