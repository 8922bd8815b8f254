// Journey versions: a content hash of what a run can notice; the diff between two versions; what an
// in-flight policy must say about the earlier versions; how the compiler keeps them.
import { describe, expect, it } from 'vitest';
import { compileJourney } from '#language/compiler.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { validateJourney } from '#language/validator.ts';
import {
  diffVersions,
  inFlightViolations,
  journeyVersion,
  migratedStepId,
  versionOf,
  waitingStepIds,
} from '#language/versions.ts';
import { contactAttributes } from '../../../workflows/attributes.ts';
import { templates } from '../../../workflows/templates/index.ts';
import {
  edited,
  original,
  TIPS_TEMPLATE,
  templatesAfter,
  templatesBefore,
} from '../../support/journey-edits.ts';

const v1 = journeyVersion(original('rename', 'migrate'), templatesBefore);

describe('versionOf', () => {
  it('is stable, and ignores the description and the in-flight policy', () => {
    // Prepare
    const same = {
      ...v1.definition,
      description: 'reworded',
      inFlight: { policy: 'exit', reason: 'x' },
    } as const;

    // Assess
    expect(v1.version).toMatch(/^[0-9a-f]{12}$/);
    expect(journeyVersion(original('rename', 'migrate'), templatesBefore).version).toBe(v1.version);
    expect(journeyVersion(same, templatesBefore).version).toBe(v1.version);
  });

  it('changes with a step, and with the content of a template the journey sends', () => {
    // Assess
    expect(journeyVersion(edited('rename', 'migrate'), templatesBefore).version).not.toBe(v1.version);
    expect(journeyVersion(original('rename', 'migrate'), templatesAfter).version).not.toBe(v1.version);
    expect(Object.keys(v1.templates).sort()).toEqual([TIPS_TEMPLATE, 'welcome']);
    expect(versionOf(v1.definition, v1.templates)).toBe(v1.version);
  });
});

describe('diffVersions', () => {
  it('names steps added, removed and changed, templates changed, and the waiting steps runs would notice', () => {
    // Prepare
    const renamed = journeyVersion(edited('rename', 'migrate'), templatesAfter);

    // Act
    const diff = diffVersions(v1, renamed);

    // Assess
    expect(diff).toMatchObject({
      from: v1.version,
      to: renamed.version,
      added: ['after-two-days'],
      removed: ['two-days'],
      templates: [{ templateId: TIPS_TEMPLATE, change: 'changed' }],
      likelyRenames: { 'two-days': 'after-two-days' },
    });
    // A deferred send waits too: the first send now leads elsewhere, the tips' template changed.
    expect(diff.affectedWaitingSteps.sort()).toEqual(['tips-email', 'two-days', 'welcome-email']);
    expect(diff.changed).toEqual([{ stepId: 'welcome-email', changes: ['next: two-days → after-two-days'] }]);
  });

  it('is empty between a version and itself, and lists every step of a new journey', () => {
    expect(diffVersions(v1, v1)).toMatchObject({ added: [], removed: [], changed: [], templates: [] });
    expect(diffVersions(undefined, v1).added.sort()).toEqual(Object.keys(v1.definition.steps).sort());
  });
});

describe('inFlightViolations', () => {
  it('fails a migrate policy that does not map a removed step runs may wait at, naming it', () => {
    // Prepare
    const unmapped: JourneyDefinition = { ...edited('rename', 'migrate'), inFlight: { policy: 'migrate' } };

    // Act
    const violations = inFlightViolations(unmapped, [v1]);

    // Assess
    expect(violations).toEqual([
      {
        journey: 'edit-rename-migrate',
        path: 'inFlight.stepMapping',
        message: expect.stringContaining(
          `step "two-days" (a wait of version ${v1.version}) was removed and runs may wait there`,
        ),
      },
    ]);
    expect(violations[0]?.message).toContain("stepMapping: { 'two-days': 'after-two-days' }");
  });

  it('accepts a mapped removal, finish and exit policies, and reports a mapping of an unknown step', () => {
    expect(inFlightViolations(edited('rename', 'migrate'), [v1])).toEqual([]);
    expect(inFlightViolations(edited('rename', 'finish'), [v1])).toEqual([]);
    expect(inFlightViolations(edited('rename', 'exit'), [v1])).toEqual([]);
    const typo: JourneyDefinition = {
      ...edited('rename', 'migrate'),
      inFlight: { policy: 'migrate', stepMapping: { 'two-days': 'after-two-days', 'too-days': 'day-seven' } },
    };
    expect(inFlightViolations(typo, [v1]).map((v) => v.path)).toEqual(['inFlight.stepMapping.too-days']);
  });

  it('maps a waiting step to its mapping, else to the step of the same id', () => {
    const journey = edited('rename', 'migrate');
    expect(migratedStepId(journey, 'two-days')).toBe('after-two-days');
    expect(migratedStepId(journey, 'day-seven')).toBe('day-seven');
    expect(migratedStepId(journey, 'gone')).toBeUndefined();
    expect(waitingStepIds(v1.definition).sort()).toEqual([
      'day-seven',
      'tips-email',
      'two-days',
      'welcome-email',
    ]);
  });
});

describe('validateJourney: the in-flight policy', () => {
  it('wants a reason to exit and a mapping onto steps of the journey', () => {
    // Prepare
    const noReason: JourneyDefinition = { ...v1.definition, inFlight: { policy: 'exit', reason: ' ' } };
    const badTarget: JourneyDefinition = {
      ...v1.definition,
      inFlight: { policy: 'migrate', stepMapping: { 'old-wait': 'no-such-step' } },
    };

    // Act + Assess
    expect(validateJourney(noReason, { templates: templatesBefore, attributes: contactAttributes })).toEqual([
      expect.objectContaining({ path: 'inFlight.reason' }),
    ]);
    expect(validateJourney(badTarget, { templates: templatesBefore, attributes: contactAttributes })).toEqual(
      [
        {
          journey: v1.journeyId,
          path: 'inFlight.stepMapping.old-wait',
          message: 'maps to "no-such-step", which is not a step of this journey',
        },
      ],
    );
  });
});

describe('compileJourney with earlier versions', () => {
  const current = journeyVersion(edited('rename', 'finish'), templatesAfter);
  const asl = compileJourney(current.definition, {
    version: current.version,
    earlier: [{ version: v1.version, definition: v1.definition }],
  });
  const states = asl.States as Record<string, Record<string, unknown>>;

  it('passes the version to every Task, and keeps the earlier version’s steps under prefixed names', () => {
    // Assess
    expect(states.Enter?.Parameters).toMatchObject({ action: 'enter', version: current.version });
    expect(states['Wait after-two-days']?.Parameters).toMatchObject({ version: current.version });
    expect(states[`${v1.version} Send tips-email`]?.Parameters).toMatchObject({
      action: 'send',
      version: v1.version,
      stepId: 'tips-email',
    });
    expect(states[`${v1.version} Wait day-seven`]).toBeDefined();
    // A deferred send resumes at the send itself: the earlier version's sends are kept too.
    expect(states[`${v1.version} Send welcome-email`]?.Parameters).toMatchObject({ version: v1.version });
    expect(asl.Comment).toContain(`version ${current.version}`);
  });

  it('lets Resume send a run to a resume point of either version, or to any step of the deployed one', () => {
    // Act
    const targets = ((states.ResumeAt?.Choices ?? []) as Array<{ Next: string }>).map((c) => c.Next);

    // Assess
    expect(targets).toEqual(
      expect.arrayContaining([
        'Branch ordered-yet',
        `${v1.version} Branch ordered-yet`,
        'Send welcome-email',
        'Unknown resume point',
      ]),
    );
    expect(JSON.stringify(asl).length).toBeLessThan(
      2 * JSON.stringify(compileJourney(current.definition)).length + 20_000,
    );
  });

  it('compiles an unversioned journey as before', () => {
    const plain = compileJourney(current.definition);
    expect(JSON.stringify(plain)).not.toContain('"version"');
    expect(
      Object.keys(plain.States).some(
        (name) => name.includes(' Send tips-email') && name !== 'Send tips-email',
      ),
    ).toBe(false);
    expect(templates.size).toBeGreaterThan(0);
  });
});
