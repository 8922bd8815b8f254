import * as z from '#catalogue/zod.ts';
import { HttpUrl, limits, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A known contact viewed a page: lead scoring counts pricing-page views. */
export const PageViewed = z
  .object({
    ...contactEventBase,
    /** The page's path, e.g. `/pricing/enterprise`: what scoring rules match on. */
    path: text(limits.url).check(z.regex(/^\//, 'must be a path starting with /')),
    url: z.optional(HttpUrl),
    title: z.optional(text(limits.name)),
    referrer: z.optional(HttpUrl),
  })
  .check(z.describe('A known contact viewed a page of the site.'));

/** Parsed `page.viewed` detail. */
export type PageViewed = z.infer<typeof PageViewed>;
