import * as z from 'zod';
import { Identifier, limits, profileFields, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

const Tag = z.string().trim().min(1).max(limits.tag);

const TagChanges = z
  .object({
    add: z.array(Tag).max(limits.tags).optional(),
    remove: z.array(Tag).max(limits.tags).optional(),
  })
  .superRefine((tags, ctx) => {
    // Adding and removing the same tag in one event has no defined order, so refuse it.
    const added = new Set(tags.add);
    tags.remove?.forEach((tag, index) => {
      if (added.has(tag)) {
        ctx.addIssue({ code: 'custom', path: ['remove', index], message: `"${tag}" is also in tags.add` });
      }
    });
  });

/** Profile fields that changed (absent fields are left as they are) and tags to add or remove. */
export const ContactUpdated = z
  .object({
    ...contactEventBase,
    ...profileFields,
    tags: TagChanges.optional(),
    /** Sales fields, as a CRM syncs them: filled when empty, never overwritten once set (see SALES_MAINTAINED_FIELDS). */
    ownerId: Identifier.optional(),
    accountId: Identifier.optional(),
    company: text(limits.name).optional(),
    stage: text(limits.name).optional(),
  })
  .meta({ description: "A contact's profile changed; absent fields are left as they are." });

/** Parsed `contact.updated` detail. */
export type ContactUpdated = z.infer<typeof ContactUpdated>;
