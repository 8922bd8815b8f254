/**
 * Lambda, started weekly by an EventBridge Scheduler schedule: the digest of every deployed
 * journey's past week, e-mailed to the configured addresses through SES.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from '#catalogue/zod.ts';
import { nowIso } from '#platform/clock.ts';
import { optionalEnv, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { logger } from '#platform/logger.ts';
import { deployedJourneyVersions } from '../../workflows/versions/index.ts';
import { EventsRepository } from '../contacts/events-repository.ts';
import { sendEmail } from '../delivery/email-sender.ts';
import { RunsRepository } from '../journeys/runs-repository.ts';
import { CountersRepository } from './counters-repository.ts';
import { DIGEST_DAYS, digestEmail } from './digest.ts';
import { journeyReport } from './journey-report.ts';

const sources = {
  runs: new RunsRepository(requireEnv(ENV.journeyStateTable)),
  counters: new CountersRepository({
    ledger: requireEnv(ENV.ledgerTable),
    journeyState: requireEnv(ENV.journeyStateTable),
  }),
  events: new EventsRepository(requireEnv(ENV.eventsTable)),
};
const recipients = z
  .array(z.email())
  .check(z.minLength(1))
  .parse(JSON.parse(requireEnv(ENV.digestRecipients)));
const versions = deployedJourneyVersions();

async function sendDigest(): Promise<{ recipients: number; journeys: number }> {
  const now = nowIso();
  // The week: the seven whole UTC days before today (counters are kept per day).
  const today = Date.parse(`${now.slice(0, 10)}T00:00:00Z`);
  const since = new Date(today - DIGEST_DAYS * 86_400_000).toISOString();
  const until = new Date(today - 1).toISOString();
  const reports = [];
  for (const journeyId of versions.journeyIds()) {
    const definition = versions.current(journeyId)?.definition;
    if (definition)
      reports.push(
        await journeyReport(definition, sources, { since, until, windowDays: DIGEST_DAYS, nowIso: now }),
      );
  }
  const brand = z.record(z.string(), z.string()).parse(JSON.parse(optionalEnv(ENV.brand, '{}')));
  const email = digestEmail(reports, now, brand.name);
  const configurationSet = optionalEnv(ENV.sesConfigurationSet, '');
  for (const to of recipients) {
    await sendEmail({
      to,
      from: requireEnv(ENV.fromAddress),
      subject: email.subject,
      html: email.html,
      text: email.text,
      ...(configurationSet ? { configurationSet } : {}),
      tags: { journey: 'weekly-digest' },
    });
  }
  logger.info('weekly digest sent', { recipients: recipients.length, journeys: reports.length });
  return { recipients: recipients.length, journeys: reports.length };
}

export const handler = middy(sendDigest).use(injectLambdaContext(logger, { resetKeys: true }));
