/**
 * A Paris prospect's company as the lead form takes it: 300 people, interested in analytics, in the
 * postcode territory the sample roster gives Julien Moreau (grade B by the sample scoring).
 */
export const PARIS_COMPANY = {
  company: 'Radium SA',
  companySize: '300',
  country: 'FR',
  postcode: '75011',
  productInterest: 'analytics',
  language: 'fr',
} as const;
