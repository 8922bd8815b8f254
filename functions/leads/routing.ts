/**
 * Who gets an inbound lead: a pure decision from the lead, the contact's current owner, the roster,
 * the reps' loads and a clock reading. The assignment repository then applies it with conditional
 * writes, trying `attempts` in order (a rep found full there is skipped for the next one).
 *
 * The rules, in order:
 *
 * 1. **key_account** — the contact's owner keeps the lead when they are in the roster and not out of
 *    office. Outside their working hours they still keep it (they pick it up in the morning), and
 *    capacity does not apply: a key account is never taken from its rep because they are busy. An
 *    owner who is out of office, has left the roster or is excluded lets the lead fall through.
 * 2. **territory_skills** / **round_robin** — reps whose territory covers the lead and who have the
 *    skills (product, language), on duty now and with spare capacity (`open < capacity`). The most
 *    specific territory fit wins: reps matching by postcode prefix first, then by region, then by
 *    country, widening only when nobody at a level can take the lead. One candidate is recorded as
 *    `territory_skills`, several share the lead by weighted round robin (`round_robin`).
 * 3. **fallback** — members of the fallback queue (`fallback: true`) on duty with spare capacity,
 *    by the same round robin; then the queue's manager, whatever their hours, within their
 *    capacity like anyone. Nobody with room (or the manager excluded too): no attempt is left, and
 *    the lead service puts the lead in the unassigned queue instead of past anyone's capacity.
 *
 * `excludeRepIds` removes reps from every rule (an SLA reassignment excludes the reps who let it lapse).
 *
 * Weighted round robin is stride scheduling, deterministic given the state: each rep has a `pass`
 * (kept on their load item) that grows by `1 / weight` at each round-robin assignment, and the rep
 * with the lowest pass goes first; equal passes go to the least recently assigned (never assigned
 * first), then by id. Over N leads each rep gets N × weight / Σweights within one lead. A rep who
 * joins or comes back from leave would have a stale, low pass and take every lead until caught up,
 * so passes are first raised to a floor, `max(pass − 1/weight)` over the candidates: the start of
 * the last turn of the rep furthest ahead. A rep in the rotation is never below it; a newcomer or
 * a returning rep joins at the front of the rotation, gets one lead, then takes turns. The pass
 * increment to store (`passDelta`, applied with an atomic ADD) includes that raise.
 */
import {
  isAvailable,
  isOutOfOffice,
  matchesSkills,
  type RepRoster,
  type RoutedLead,
  type SalesRep,
  territoryFit,
} from './reps.ts';

export type RoutingRule = 'key_account' | 'territory_skills' | 'round_robin' | 'fallback';

/** A rep's load as the assignment repository keeps it. */
export interface RepState {
  readonly open: number;
  readonly lastAssignedAt?: string;
  /** Round-robin position (see the module comment); absent for a rep never assigned by round robin. */
  readonly pass?: number;
}

export interface RoutingInput {
  readonly lead: RoutedLead;
  readonly contactOwnerId?: string;
  readonly roster: RepRoster;
  readonly state: Readonly<Record<string, RepState>>;
  readonly nowMs: number;
  readonly excludeRepIds?: readonly string[];
}

/** One rep to try, with the capacity to enforce and the round-robin pass increment to store. */
export interface AssignmentAttempt {
  readonly repId: string;
  /** `Infinity` for a key account: no capacity check. */
  readonly capacity: number;
  readonly passDelta: number;
}

export interface RoutingDecision {
  /** The rep the lead should go to; undefined when nobody can take it. */
  readonly repId: string | undefined;
  readonly rule: RoutingRule;
  /** Every rep considered eligible under the rule, best first. */
  readonly candidates: string[];
  /** What to try, in order, if the first rep turns out to be full when written to. */
  readonly attempts: AssignmentAttempt[];
}

const TERRITORY_LEVELS = ['postcode', 'region', 'country'] as const;
const EPSILON = 1e-9;

/** Decides who should own a lead, and why. */
export function chooseOwner(input: RoutingInput): RoutingDecision {
  const { lead, roster, state, nowMs } = input;
  const excluded = new Set(input.excludeRepIds ?? []);
  const reps = roster.reps.filter((rep) => !excluded.has(rep.id));

  const owner = reps.find((rep) => rep.id === input.contactOwnerId);
  if (owner && !isOutOfOffice(owner, nowMs)) {
    return decision('key_account', [{ repId: owner.id, capacity: Number.POSITIVE_INFINITY, passDelta: 0 }]);
  }

  const canTake = (rep: SalesRep) => isAvailable(rep, nowMs) && (state[rep.id]?.open ?? 0) < rep.capacity;
  const fits = reps
    .filter((rep) => matchesSkills(rep, lead))
    .map((rep) => ({ rep, fit: territoryFit(rep, lead) }));
  for (const level of TERRITORY_LEVELS) {
    const eligible = fits.filter((f) => f.fit === level && canTake(f.rep)).map((f) => f.rep);
    if (eligible.length > 0) {
      return decision(
        eligible.length === 1 ? 'territory_skills' : 'round_robin',
        roundRobin(eligible, state),
      );
    }
  }

  const members = roundRobin(
    reps.filter((rep) => rep.fallback === true && canTake(rep)),
    state,
  );
  const manager = reps.find((rep) => rep.id === roster.fallbackQueue.managerId);
  // The manager is tried whatever their hours, but never past their capacity.
  const managerHasRoom = manager !== undefined && (state[manager.id]?.open ?? 0) < manager.capacity;
  const last =
    manager && managerHasRoom && !members.some((m) => m.repId === manager.id)
      ? [{ repId: manager.id, capacity: manager.capacity, passDelta: 0 }]
      : [];
  return decision('fallback', [...members, ...last]);
}

function decision(rule: RoutingRule, attempts: AssignmentAttempt[]): RoutingDecision {
  return {
    repId: attempts[0]?.repId,
    rule,
    candidates: [...new Set(attempts.map((a) => a.repId))],
    attempts,
  };
}

/** The reps in round-robin order (see the module comment), each with the pass increment to store. */
export function roundRobin(
  reps: readonly SalesRep[],
  state: Readonly<Record<string, RepState>>,
): AssignmentAttempt[] {
  if (reps.length === 0) return [];
  const passOf = (rep: SalesRep) => state[rep.id]?.pass ?? 0;
  const floor = Math.max(...reps.map((rep) => passOf(rep) - 1 / rep.weight));
  const lastAt = (rep: SalesRep) => {
    const at = Date.parse(state[rep.id]?.lastAssignedAt ?? '');
    return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
  };
  return reps
    .map((rep) => ({ rep, effective: Math.max(passOf(rep), floor), lastAt: lastAt(rep) }))
    .sort(
      (a, b) =>
        (Math.abs(a.effective - b.effective) > EPSILON ? a.effective - b.effective : 0) ||
        (a.lastAt === b.lastAt ? 0 : a.lastAt < b.lastAt ? -1 : 1) ||
        (a.rep.id < b.rep.id ? -1 : a.rep.id > b.rep.id ? 1 : 0),
    )
    .map(({ rep, effective }) => ({
      repId: rep.id,
      capacity: rep.capacity,
      passDelta: effective + 1 / rep.weight - passOf(rep),
    }));
}
