/**
 * The weekly digest: every deployed journey's report for the past week (runs, conversions against
 * the holdout with the uplift's interval, the funnel per step), as one e-mail to the marketing team.
 */
import { escapeHtml } from '#platform/html-page.ts';
import { formatReport, type JourneyReport, percent } from './journey-report.ts';

export const DIGEST_DAYS = 7;

export interface DigestEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** One line a journey for the top of the digest: entered, conversion, uplift. */
function headline(report: JourneyReport): string {
  const { runs, conversions: c } = report;
  const conversion = c.treated.runs > 0 ? `${percent(c.treated.rate)} converted` : 'no run';
  const uplift = c.uplift
    ? `, uplift ${c.uplift.difference >= 0 ? '+' : ''}${percent(c.uplift.difference)} (95% ${percent(c.uplift.lower)} to ${percent(c.uplift.upper)})`
    : '';
  const sent = report.steps.reduce((n, s) => n + s.sent, 0);
  return `${report.journeyId}: ${runs.entered} entered, ${sent} sent, ${conversion}${uplift}`;
}

/** The digest of the week ending `until`, from each journey's report over it. */
export function digestEmail(
  reports: readonly JourneyReport[],
  until: string,
  brandName?: string,
): DigestEmail {
  const week = `${until.slice(0, 10)}`;
  const active = reports.filter((r) => r.runs.entered > 0 || r.steps.length > 0);
  const quiet = reports.filter((r) => !active.includes(r)).map((r) => r.journeyId);
  const sections = active.map((report) => formatReport(report).join('\n'));
  const text = [
    `${brandName ? `${brandName}: ` : ''}relance weekly digest, the ${DIGEST_DAYS} days to ${week}`,
    '',
    ...active.map(headline),
    ...(quiet.length > 0 ? [`no activity: ${quiet.join(', ')}`] : []),
    '',
    ...sections.flatMap((section) => [section, '']),
    'The same for any period: relance report <journey> --since DATE.',
  ].join('\n');
  const html = [
    `<h1>relance weekly digest</h1><p>${escapeHtml(`${brandName ? `${brandName}, ` : ''}the ${DIGEST_DAYS} days to ${week}`)}</p>`,
    `<ul>${active.map((r) => `<li>${escapeHtml(headline(r))}</li>`).join('')}</ul>`,
    quiet.length > 0 ? `<p>No activity: ${escapeHtml(quiet.join(', '))}</p>` : '',
    ...sections.map((section) => `<pre style="font-size:12px">${escapeHtml(section)}</pre>`),
  ].join('\n');
  return {
    subject: `relance weekly digest: ${active.length} active journey${active.length === 1 ? '' : 's'}, week to ${week}`,
    text,
    html,
  };
}
