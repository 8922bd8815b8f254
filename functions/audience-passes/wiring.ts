/** Builds the audience-pass dependencies from the environment, once per container. */
import { createHash } from 'node:crypto';
import * as z from '#catalogue/zod.ts';
import { now } from '#platform/clock.ts';
import { parseJsonSetting, requireEnv } from '#platform/env.ts';
import { ENV } from '#platform/env-names.ts';
import { PASS_ENV } from '#platform/pass-env.ts';
import { findJourney, journeys } from '../../workflows/journeys/index.ts';
import { segments } from '../../workflows/segments/index.ts';
import { ContactsRepository } from '../contacts/contacts-repository.ts';
import {
  journeyNamingFromEnvironment,
  journeyTargets as targetsByJourney,
} from '../journeys/journey-targets.ts';
import { scheduleResume } from '../journeys/run-scheduler.ts';
import { startRun } from '../journeys/run-starter.ts';
import { type PassDeps, PassSettingsSchema } from './audience-pass.ts';
import { PassRepository } from './pass-repository.ts';

const Target = z.object({
  stateMachineArn: z.string(),
  scheduleGroup: z.string(),
  schedulerRoleArn: z.string(),
  deadLetterArn: z.optional(z.string()),
});

/** A name within Scheduler's and Step Functions' limits (64 / 80 characters of [A-Za-z0-9-_.]). */
function boundedName(name: string, max: number): string {
  const safe = name.replace(/[^A-Za-z0-9-_.]/g, '_');
  if (safe.length <= max) return safe;
  return `${safe.slice(0, max - 17)}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** Everything an audience pass needs, wired to the tables, state machines and schedules in the environment. */
export function passDepsFromEnvironment(): PassDeps {
  const settings = parseJsonSetting(PassSettingsSchema, requireEnv(PASS_ENV.settings));
  const passTarget = parseJsonSetting(Target, requireEnv(PASS_ENV.target));
  const journeyTargets = targetsByJourney(
    journeyNamingFromEnvironment(),
    journeys.map((j) => j.id),
  );
  return {
    passes: new PassRepository(requireEnv(ENV.journeyStateTable)),
    contacts: new ContactsRepository(requireEnv(ENV.contactsTable)),
    findJourney,
    segments,
    startRun: async (journeyId, member) => {
      const target = journeyTargets[journeyId];
      if (!target) throw new Error(`no state machine for journey "${journeyId}"`);
      await startRun(target.stateMachineArn, boundedName(member.eventId, 80), {
        'detail-type': 'audience.member',
        source: member.source,
        detail: member,
      });
    },
    scheduleNextPage: (name, atMs, input) =>
      scheduleResume(passTarget, boundedName(name, 64), atMs, { resume: input }),
    settings,
    nowMs: now,
  };
}
