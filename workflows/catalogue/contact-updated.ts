import * as z from '#catalogue/zod.ts';
import { Identifier, limits, profileFields, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

const Tag = z.string().check(z.trim(), z.minLength(1), z.maxLength(limits.tag));

const TagChanges = z
  .object({
    add: z.optional(z.array(Tag).check(z.maxLength(limits.tags))),
    remove: z.optional(z.array(Tag).check(z.maxLength(limits.tags))),
  })
  .check(
    z.superRefine((tags, ctx) => {
      // Adding and removing the same tag in one event has no defined order, so refuse it.
      const added = new Set(tags.add);
      tags.remove?.forEach((tag, index) => {
        if (added.has(tag)) {
          ctx.addIssue({ code: 'custom', path: ['remove', index], message: `"${tag}" is also in tags.add` });
        }
      });
    }),
  );

/** Profile fields that changed (absent fields are left as they are) and tags to add or remove. */
export const ContactUpdated = z
  .object({
    ...contactEventBase,
    ...profileFields,
    tags: z.optional(TagChanges),
    /** Sales fields, as a CRM syncs them: filled when empty, never overwritten once set (see SALES_MAINTAINED_FIELDS). */
    ownerId: z.optional(Identifier),
    accountId: z.optional(Identifier),
    company: z.optional(text(limits.name)),
    stage: z.optional(text(limits.name)),
  })
  .check(z.describe("A contact's profile changed; absent fields are left as they are."));

/** Parsed `contact.updated` detail. */
export type ContactUpdated = z.infer<typeof ContactUpdated>;
