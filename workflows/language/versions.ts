/**
 * Journey versions: a version is a content hash of a journey's definition and of the templates it
 * sends, so any change a run could notice makes a new version, and nothing else does (the
 * description and the in-flight policy are left out). A run records the version it entered on; the
 * deployed state machine keeps the steps of every recorded version (see compiler.ts), and the
 * in-flight policy of the deployed version decides where a run of an earlier version goes.
 * Pure: the registry on disk is workflows/versions/, read and written by its own module.
 */
import { createHash } from 'node:crypto';
import type { MessageTemplate } from './template.ts';
import type { JourneyDefinition, Step } from './types.ts';
import type { Violation } from './validator.ts';

/** One version of a journey: its definition and the templates its sends use, as they were. */
export interface JourneyVersion {
  readonly journeyId: string;
  readonly version: string;
  readonly definition: JourneyDefinition;
  /** The templates the journey's send and broadcast steps name, by id. */
  readonly templates: Readonly<Record<string, MessageTemplate>>;
}

/** A version as the registry keeps it (workflows/versions/<journey>/<version>.json). */
export interface RecordedVersion extends JourneyVersion {
  /** 1 for the first version recorded for the journey, then 2, 3...: the latest is the highest. */
  readonly seq: number;
  readonly recordedAt: string;
}

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** The ids of the templates a journey sends. */
export function templateIdsOf(journey: JourneyDefinition): string[] {
  const ids = Object.values(journey.steps).flatMap((step) =>
    step.type === 'send' || step.type === 'broadcast' ? [step.template] : [],
  );
  return [...new Set(ids)].sort();
}

/** The part of a definition a run can notice: the description and the in-flight policy are left out. */
function behaviour(definition: JourneyDefinition): Record<string, unknown> {
  const { description: _description, inFlight: _inFlight, ...rest } = definition;
  return rest;
}

/** The version (12 hex characters) of a definition with the templates it uses. */
export function versionOf(
  definition: JourneyDefinition,
  templates: Readonly<Record<string, MessageTemplate>>,
): string {
  const text = canonicalJson({ definition: behaviour(definition), templates });
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * A journey as a version: its hash, its definition and the templates it uses. `knownVersion` is
 * that hash when it was computed before from the same definition and templates (when the code was
 * bundled): taken as it is, not computed again.
 */
export function journeyVersion(
  definition: JourneyDefinition,
  templates: ReadonlyMap<string, MessageTemplate>,
  knownVersion?: string,
): JourneyVersion {
  const used: Record<string, MessageTemplate> = {};
  for (const id of templateIdsOf(definition)) {
    const template = templates.get(id);
    if (template) used[id] = template;
  }
  const version = knownVersion ?? versionOf(definition, used);
  return { journeyId: definition.id, version, definition, templates: used };
}

/** The steps a run may be waiting at: a wait, a waitFor, or a send deferred by quiet hours. */
export function waitingStepIds(journey: JourneyDefinition): string[] {
  return Object.values(journey.steps)
    .filter((step) => step.type === 'wait' || step.type === 'waitFor' || step.type === 'send')
    .map((step) => step.id);
}

/** The deployed version's policy, `finish` when it declares none. */
export function inFlightPolicyOf(journey: JourneyDefinition): NonNullable<JourneyDefinition['inFlight']> {
  return journey.inFlight ?? { policy: 'finish' };
}

/**
 * Under `migrate`, the step of `journey` a run of an earlier version waiting at `stepId` moves to:
 * the mapped step, else the step of the same id; undefined when this version has neither.
 */
export function migratedStepId(journey: JourneyDefinition, stepId: string): string | undefined {
  const policy = journey.inFlight;
  const mapped = policy?.policy === 'migrate' ? policy.stepMapping?.[stepId] : undefined;
  const target = mapped ?? stepId;
  return journey.steps[target] ? target : undefined;
}

/** A step without its id and its links: what it does, to recognise a renamed or moved step. */
function stepBody(step: Step): string {
  const { id: _id, ...rest } = step as Step & Record<string, unknown>;
  for (const link of ['next', 'onEvent', 'onTimeout', 'otherwise'])
    delete (rest as Record<string, unknown>)[link];
  return canonicalJson(rest);
}

/** Added steps that do what a removed step did: a likely rename (removed id → added id). */
function likelyRenames(from: JourneyDefinition, to: JourneyDefinition): Record<string, string> {
  const added = Object.values(to.steps).filter((s) => !from.steps[s.id]);
  const renames: Record<string, string> = {};
  for (const step of Object.values(from.steps)) {
    if (to.steps[step.id]) continue;
    const twin = added.find((candidate) => stepBody(candidate) === stepBody(step));
    if (twin) renames[step.id] = twin.id;
  }
  return renames;
}

export interface StepChange {
  readonly stepId: string;
  /** The fields that differ, e.g. `template: welcome-tips → welcome-tips-2`. */
  readonly changes: string[];
}

export interface TemplateChange {
  readonly templateId: string;
  readonly change: 'added' | 'removed' | 'changed';
}

/** What changed between two versions of a journey. */
export interface VersionDiff {
  readonly journeyId: string;
  /** The earlier version; absent for a journey that was never deployed. */
  readonly from?: string;
  readonly to: string;
  readonly added: string[];
  readonly removed: string[];
  readonly changed: StepChange[];
  readonly templates: TemplateChange[];
  /** Journey settings that differ: trigger, entry, goal, delivery, holdout, schedule, start. */
  readonly settings: string[];
  /** Removed steps that look renamed (same content under a new id): removed id → added id. */
  readonly likelyRenames: Record<string, string>;
  /** The steps of the earlier version a waiting run would notice: removed or changed waiting points. */
  readonly affectedWaitingSteps: string[];
}

const short = (value: unknown) => {
  const text = value === undefined ? '(none)' : typeof value === 'string' ? value : canonicalJson(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function stepChanges(before: Step, after: Step): string[] {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]))
    .map((key) => `${key}: ${short(a[key])} → ${short(b[key])}`);
}

const SETTINGS = ['trigger', 'entry', 'goal', 'delivery', 'holdout', 'schedule', 'start'] as const;

/** Steps added, removed and changed, template and settings changes, from one version to another. */
export function diffVersions(from: JourneyVersion | undefined, to: JourneyVersion): VersionDiff {
  const before = from?.definition.steps ?? {};
  const after = to.definition.steps;
  const added = Object.keys(after).filter((id) => !before[id]);
  const removed = Object.keys(before).filter((id) => !after[id]);
  const changed: StepChange[] = [];
  for (const [id, step] of Object.entries(after)) {
    const old = before[id];
    if (!old) continue;
    const changes = stepChanges(old, step);
    if (changes.length > 0) changed.push({ stepId: id, changes });
  }
  const templates: TemplateChange[] = [];
  const oldTemplates = from?.templates ?? {};
  for (const id of [...new Set([...Object.keys(oldTemplates), ...Object.keys(to.templates)])].sort()) {
    const a = oldTemplates[id];
    const b = to.templates[id];
    if (!a) templates.push({ templateId: id, change: 'added' });
    else if (!b) templates.push({ templateId: id, change: 'removed' });
    else if (canonicalJson(a) !== canonicalJson(b)) templates.push({ templateId: id, change: 'changed' });
  }
  const settings = from
    ? SETTINGS.filter((key) => canonicalJson(from.definition[key]) !== canonicalJson(to.definition[key])).map(
        String,
      )
    : [];
  const changedTemplates = new Set(templates.filter((t) => t.change === 'changed').map((t) => t.templateId));
  const waiting = from ? waitingStepIds(from.definition) : [];
  const affectedWaitingSteps = waiting.filter((id) => {
    const now = after[id];
    if (!now) return true;
    if (changed.some((c) => c.stepId === id)) return true;
    return now.type === 'send' && changedTemplates.has(now.template);
  });
  return {
    journeyId: to.journeyId,
    ...(from ? { from: from.version } : {}),
    to: to.version,
    added,
    removed,
    changed,
    templates,
    settings,
    likelyRenames: from ? likelyRenames(from.definition, to.definition) : {},
    affectedWaitingSteps,
  };
}

/** Whether two versions differ at all (a diff with nothing in it). */
export function isEmptyDiff(diff: VersionDiff): boolean {
  return diff.from === diff.to;
}

/**
 * What the deployed version's in-flight policy leaves unsaid, against the earlier versions runs may
 * still be on: under `migrate`, a step runs may wait at that this version removed and does not map
 * fails here, named. The policy's own shape is checked by the validator.
 */
export function inFlightViolations(
  current: JourneyDefinition,
  earlier: readonly JourneyVersion[],
): Violation[] {
  const policy = current.inFlight;
  if (policy?.policy !== 'migrate') return [];
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const known = new Set(earlier.flatMap((v) => Object.keys(v.definition.steps)));
  for (const source of Object.keys(policy.stepMapping ?? {})) {
    if (!known.has(source) && earlier.length > 0) {
      violations.push({
        journey: current.id,
        path: `inFlight.stepMapping.${source}`,
        message: `maps "${source}", a step no recorded version of this journey has`,
      });
    }
  }
  for (const version of earlier) {
    const renames = likelyRenames(version.definition, current);
    for (const stepId of waitingStepIds(version.definition)) {
      if (reported.has(stepId) || migratedStepId(current, stepId)) continue;
      reported.add(stepId);
      const suggestion = renames[stepId] ?? '<a step of this version>';
      violations.push({
        journey: current.id,
        path: 'inFlight.stepMapping',
        message:
          `step "${stepId}" (a ${version.definition.steps[stepId]?.type} of version ${version.version}) was removed ` +
          `and runs may wait there: map it, e.g. stepMapping: { '${stepId}': '${suggestion}' }`,
      });
    }
  }
  return violations;
}
