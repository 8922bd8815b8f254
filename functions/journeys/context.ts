/**
 * What the journey-step actions share: the state-machine context (`$.ctx`), the dependencies an
 * action needs, and how they are wired from the environment once per container.
 */

import type { Contact } from '#catalogue/contact.ts';
import type { MessageTemplate } from '#language/template.ts';
import type { JourneyDefinition } from '#language/types.ts';
import type { JourneyVersion } from '#language/versions.ts';
import type { BusEvent } from '#platform/event-publisher.ts';
import type { ContactsRepository } from '../contacts/contacts-repository.ts';
import type { CapsRepository } from '../delivery/caps-repository.ts';
import type { DeliveryPolicySettings } from '../delivery/delivery-policy.ts';
import type { LedgerRepository } from '../delivery/ledger-repository.ts';
import type { SalesRep } from '../leads/reps.ts';
import type { ProductsRepository } from '../products/products-repository.ts';
import { valueAt } from './journey-runs.ts';
import type { JourneyTarget } from './run-scheduler.ts';
import type { RunsRepository } from './runs-repository.ts';

/** The run context Enter and Resume put at `$.ctx`; Choice states branch on it, tasks receive it. */
export interface StepContext {
  readonly proceed: boolean;
  readonly reason?: string;
  readonly journeyId: string;
  readonly runKey?: string;
  readonly gen?: number;
  readonly contactId?: string;
  readonly contact?: Record<string, unknown>;
  readonly triggerType?: string;
  readonly trigger?: Record<string, unknown>;
  readonly event?: Record<string, unknown>;
  readonly resolution?: 'event' | 'timeout' | 'wait' | 'defer';
  readonly resumeAt?: string;
  /** Enter paused the run at its first step (the journey starts with a wait). */
  readonly paused?: boolean;
  readonly splits?: Record<string, number>;
}

/** A context that proceeds: a run exists. */
export type ActiveContext = StepContext & { runKey: string; gen: number; trigger: Record<string, unknown> };

export interface SendingSettings {
  readonly fromAddress: string;
  readonly replyToAddress?: string;
  readonly configurationSet?: string;
  readonly brand: Record<string, string>;
  readonly smsSenderId?: string;
  /** Where test sends may go (`relance send-test`): the deployment's declared test list. */
  readonly testRecipients?: readonly string[];
  readonly defaultTimezone: string;
  readonly policy: DeliveryPolicySettings;
  /** Where signed unsubscribe and preference links point, and the key that signs them. */
  readonly links?: {
    readonly baseUrl: string;
    readonly key: () => Promise<string>;
  };
}

export interface JourneyDeps {
  readonly runs: RunsRepository;
  readonly contacts: ContactsRepository;
  readonly ledger: LedgerRepository;
  readonly caps: CapsRepository;
  readonly products: ProductsRepository;
  readonly targets: Readonly<Record<string, JourneyTarget>>;
  readonly sending: SendingSettings;
  readonly findJourney: (id: string) => JourneyDefinition | undefined;
  /**
   * Every version of every journey the deployment keeps (the deployed one and the earlier ones runs
   * may be on). Absent: the deployment is unversioned and every step reads `findJourney`.
   */
  readonly versions?: {
    find(journeyId: string, version: string): JourneyVersion | undefined;
    current(journeyId: string): JourneyVersion | undefined;
  };
  /** The sales rep with this id (for sends `to: 'owner'`); absent where no roster is deployed. */
  readonly owners?: (repId: string) => Promise<SalesRep | undefined>;
  /** Puts events on the relance bus (emit steps); absent where no journey emits. */
  readonly publish?: (events: readonly BusEvent[]) => Promise<void>;
  readonly templates: ReadonlyMap<string, MessageTemplate>;
}

/** Thrown for a journey, step or target that the deployed definitions do not have: a deployment mismatch. */
export class UnknownJourneyError extends Error {
  override readonly name = 'UnknownJourneyError';
}

/**
 * The journey by id, at the version a Task state names (the state machine knows which version its
 * states belong to), or the deployed one; or a clear error.
 */
export function requireJourney(deps: JourneyDeps, journeyId: string, version?: string): JourneyDefinition {
  if (version && deps.versions) {
    const found = deps.versions.find(journeyId, version);
    if (!found) throw new UnknownJourneyError(`journey "${journeyId}" has no version ${version} here`);
    return found.definition;
  }
  const journey = deps.findJourney(journeyId);
  if (!journey) throw new UnknownJourneyError(`journey "${journeyId}" is not deployed`);
  return journey;
}

/** The templates a step of a journey version sends: that version's, as they were when it deployed. */
export function templatesAt(
  deps: JourneyDeps,
  journeyId: string,
  version?: string,
): JourneyDeps['templates'] {
  const found = version ? deps.versions?.find(journeyId, version) : undefined;
  if (!found) return deps.templates;
  return new Map([...deps.templates, ...Object.entries(found.templates)]);
}

/** The journey's scheduler target, or a clear error. */
export function requireTarget(deps: JourneyDeps, journeyId: string): JourneyTarget {
  const target = deps.targets[journeyId];
  if (!target) throw new UnknownJourneyError(`no scheduler target for journey "${journeyId}"`);
  return target;
}

/** Narrows a context to one with a run, or throws: a task after Enter/Resume always has one. */
export function requireRun(ctx: StepContext): ActiveContext {
  if (!ctx.runKey || ctx.gen === undefined || !ctx.trigger) throw new Error('step context has no run');
  return ctx as ActiveContext;
}

/** Re-reads a contact, so a send sees consent as of now (an unsubscribe mid-journey counts). */
export async function freshContact(
  deps: JourneyDeps,
  contactId: string | undefined,
): Promise<Contact | undefined> {
  return contactId ? deps.contacts.get(contactId) : undefined;
}

/** The value a field reference of the journey language reads (`trigger.startsAt`, `contact.email`, `event.leadId`). */
export function valueOfRef(ctx: Pick<StepContext, 'trigger' | 'contact' | 'event'>, ref: string): unknown {
  const [root = '', ...path] = ref.split('.');
  const scopes: Record<string, unknown> = { trigger: ctx.trigger, contact: ctx.contact, event: ctx.event };
  return valueAt(scopes[root], path.join('.'));
}
