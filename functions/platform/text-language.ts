/**
 * Which of relance's own texts (footers, the pages behind links) a contact reads: the language of
 * their locale when relance has texts in it (`fr-CA` → `fr`), else English.
 */

/** The languages relance's own texts are written in. */
export const TEXT_LANGUAGES = ['en', 'fr'] as const;
export type TextLanguage = (typeof TEXT_LANGUAGES)[number];

/** The language of `locale` among relance's texts, else `en`. */
export function textLanguage(locale: string | undefined): TextLanguage {
  const language = locale?.split('-')[0]?.toLowerCase();
  return TEXT_LANGUAGES.find((known) => known === language) ?? 'en';
}
