/**
 * `relance preview <template> --contact <email|contactId|file.json> [--locale L] [--trigger JSON|FILE]`:
 * a template rendered for a contact with their real data (read from the local runtime, from AWS with
 * `--aws`, or from a JSON file), as the send path renders it: subject, text and HTML of an e-mail
 * (the HTML also to a file with `--html FILE`), the text, parts and encoding of an SMS, the script
 * and voice of a call. Reads only; nothing is sent.
 */
import { existsSync } from 'node:fs';
import { Contact } from '#catalogue/contact.ts';
import type { Preview } from '../../functions/delivery/preview.ts';
import { ENV } from '../../functions/platform/env-names.ts';
import { templates } from '../../workflows/templates/index.ts';
import {
  type DeploymentOptions,
  jsonObjectArgument,
  openDeployment,
  setting,
  UsageError,
} from './audience.ts';

export interface PreviewOptions extends DeploymentOptions {
  /** An e-mail address, a contact id, or a JSON file holding a contact. */
  readonly contact: string;
  readonly locale?: string;
  /** The trigger's detail: a JSON object, or a file holding one. */
  readonly trigger?: string;
  /** Render as a marketing message (the footer with the preference link). */
  readonly marketing?: boolean;
}

export interface PreviewDocument {
  readonly template: string;
  readonly contactId: string;
  readonly preview: Preview;
}

/** A contact from a file: the fields given, the rest as a new profile has them. */
function contactFromFile(path: string): Contact {
  const given = jsonObjectArgument(path, '--contact');
  const at = new Date(0).toISOString();
  const parsed = Contact.safeParse({
    contactId: 'preview',
    createdAt: at,
    updatedAt: at,
    version: 0,
    ...given,
  });
  if (!parsed.success)
    throw new UsageError(
      `--contact ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export async function preview(templateId: string, options: PreviewOptions): Promise<PreviewDocument> {
  const template = templates.get(templateId);
  if (!template)
    throw new UsageError(`unknown template "${templateId}" (known: ${[...templates.keys()].join(', ')})`);
  const trigger = options.trigger === undefined ? {} : jsonObjectArgument(options.trigger, '--trigger');
  const deployment = openDeployment(options);
  let contact: Contact | undefined;
  if (options.contact.endsWith('.json') || existsSync(options.contact))
    contact = contactFromFile(options.contact);
  else {
    // Imported now: the SDK clients are built after the deployment's endpoint is set.
    const { ContactsRepository } = await import('../../functions/contacts/contacts-repository.ts');
    const contacts = new ContactsRepository(setting(deployment, ENV.contactsTable));
    const id = options.contact.includes('@')
      ? await contacts.findByIdentity('EMAIL', options.contact.trim().toLowerCase())
      : options.contact;
    contact = id ? await contacts.get(id) : undefined;
    if (!contact) throw new UsageError(`--contact: no contact found for ${options.contact}`);
  }
  const { previewMessage } = await import('../../functions/delivery/preview.ts');
  const brand = JSON.parse(deployment.variables[ENV.brand] ?? '{}') as Record<string, string>;
  return {
    template: templateId,
    contactId: contact.contactId,
    preview: await previewMessage({
      template,
      contact,
      trigger,
      ...(options.locale ? { locale: options.locale } : {}),
      brand,
      defaultTimezone: deployment.variables[ENV.defaultTimezone] ?? 'UTC',
      ...(options.marketing ? { marketing: true } : {}),
    }),
  };
}

/** The preview as lines for a terminal (an e-mail's HTML goes to a file, named here when written). */
export function formatPreview(document: PreviewDocument, htmlFile?: string): string[] {
  const { preview: p } = document;
  const head = `template ${document.template} for contact ${document.contactId}`;
  if ('missing' in p)
    return [head, `  cannot render: ${p.missing} has no value; give it with --trigger (or on the contact)`];
  switch (p.channel) {
    case 'email':
      return [
        `${head} (${p.locale} variant)`,
        `subject: ${p.subject}`,
        '--- text ---',
        p.text,
        htmlFile ? `--- html written to ${htmlFile} (${p.html.length} characters) ---` : '--- html ---',
        ...(htmlFile ? [] : [p.html]),
      ];
    case 'sms':
      return [
        `${head} (${p.locale} variant)`,
        `SMS: ${p.parts} part${p.parts === 1 ? '' : 's'}, ${p.encoding}, ${p.units} ${p.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'}${p.offendingCharacter ? ` (UCS-2 because of "${p.offendingCharacter}")` : ''}`,
        p.text,
      ];
    default:
      return [`${head} (${p.locale} variant)`, `call read by ${p.voice} (${p.bodyType})`, p.body];
  }
}
