import * as z from 'zod';
import { HttpUrl, limits, text } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

/** A known contact viewed a page: lead scoring counts pricing-page views. */
export const PageViewed = z
  .object({
    ...contactEventBase,
    /** The page's path, e.g. `/pricing/enterprise`: what scoring rules match on. */
    path: text(limits.url).regex(/^\//, 'must be a path starting with /'),
    url: HttpUrl.optional(),
    title: text(limits.name).optional(),
    referrer: HttpUrl.optional(),
  })
  .meta({ description: 'A known contact viewed a page of the site.' });

/** Parsed `page.viewed` detail. */
export type PageViewed = z.infer<typeof PageViewed>;
