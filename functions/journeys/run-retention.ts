/**
 * How long a run's item is kept. A run is entered with 400 days of retention (a year of waits and a
 * margin). An ended run of a journey that allows re-entry guards nothing more (a new trigger may
 * start it again anyway): it is kept for `relance why` and for its conversion, as long as ledger
 * entries are (90 days), and at least as long as a schedule made before its end could still fire,
 * so a stale wake-up never meets a run re-entered as generation 1. A journey without re-entry keeps
 * its ended runs the 400 days: the run is what stops the contact from entering twice.
 */
import { longestPauseSeconds } from '#language/duration.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersions } from '../../workflows/versions/index.ts';
import { LEDGER_RETENTION_DAYS } from '../delivery/ledger.ts';

const DAY_SECONDS = 86_400;

/** Seconds an ended run of a journey with these versions is kept after its end; undefined to keep the 400 days. */
export function endedRunRetentionSeconds(versions: readonly JourneyDefinition[]): number | undefined {
  if (versions.length === 0 || versions.some((journey) => !journey.entry.reentry)) return undefined;
  let longestPause = 0;
  for (const journey of versions) {
    const pause = longestPauseSeconds(journey);
    if (pause === undefined) return undefined;
    longestPause = Math.max(longestPause, pause);
  }
  // A deferred send (quiet hours) waits up to a day more.
  return Math.max(LEDGER_RETENTION_DAYS * DAY_SECONDS, longestPause + DAY_SECONDS);
}

/** The retention of ended runs by journey id, over every deployed version of each (worked out once per catalog). */
export function endedRunRetention(versions: JourneyVersions): (journeyId: string) => number | undefined {
  let byJourney = new Map<string, number | undefined>();
  let catalog = versions.catalog;
  return (journeyId) => {
    if (versions.catalog !== catalog) {
      catalog = versions.catalog;
      byJourney = new Map();
    }
    if (!byJourney.has(journeyId)) {
      const current = versions.current(journeyId);
      const all = [...(current ? [current] : []), ...versions.earlier(journeyId)].map((v) => v.definition);
      byJourney.set(journeyId, endedRunRetentionSeconds(all));
    }
    return byJourney.get(journeyId);
  };
}
