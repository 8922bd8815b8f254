// The lead and audience-pass constructs in the template: public and authenticated routes, the
// router's rules, least-privilege grants, the optional webhook, and what a pass may start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeys } from '../../workflows/index.ts';
import {
  functionRoleId,
  logicalId,
  props,
  resourcesOfType,
  type SynthesizedRelance,
  statementsForRole,
  synthRelance,
} from './synth.ts';

let synth: SynthesizedRelance;

beforeAll(() => {
  synth = synthRelance();
});
afterAll(() => synth?.dispose());

const actionsOf = (fnLogicalId: string) =>
  statementsForRole(synth.app, functionRoleId(synth.app, fnLogicalId)).flatMap((s) => s.Action ?? []);

/** Every method, as `<path part> <method>` → its properties. */
function methods(): Map<string, Record<string, unknown>> {
  const parts = new Map(
    [...resourcesOfType(synth.app, 'AWS::ApiGateway::Resource').entries()].map(([id, r]) => [id, props(r)]),
  );
  const pathOf = (resourceId: unknown): string => {
    const ref = (resourceId as { Ref?: string }).Ref;
    const part = ref ? parts.get(ref) : undefined;
    if (!part) return '';
    return `${pathOf(part.ParentId)}/${String(part.PathPart)}`;
  };
  return new Map(
    [...resourcesOfType(synth.app, 'AWS::ApiGateway::Method').values()].map((m) => {
      const p = props(m);
      return [`${pathOf(p.ResourceId)} ${String(p.HttpMethod)}`, p];
    }),
  );
}

describe('lead routes', () => {
  it('exposes the form and the action links without an API key, the reps API with one', () => {
    // Act
    const routes = methods();

    // Assess
    expect(routes.get('/leads POST')?.ApiKeyRequired).toBe(false);
    expect(routes.get('/leads/actions/{token} GET')?.ApiKeyRequired).toBe(false);
    expect(routes.get('/leads/actions/{token} POST')?.ApiKeyRequired).toBe(false);
    for (const route of ['/reps GET', '/reps/{repId} GET', '/reps/{repId} PUT', '/reps/{repId} DELETE']) {
      expect(routes.get(route)?.ApiKeyRequired, route).toBe(true);
    }
  });

  it('answers CORS preflights for the configured site origins only', () => {
    // Act
    const preflight = methods().get('/leads OPTIONS');

    // Assess
    const integration = preflight?.Integration as { IntegrationResponses?: Array<Record<string, unknown>> };
    const headers = JSON.stringify(integration?.IntegrationResponses);
    expect(headers).toContain('https://shop.example.com');
    expect(headers).not.toContain("'*'");
  });
});

describe('lead functions', () => {
  it('lets the form function publish events and use the leads table, and send nothing', () => {
    // Act
    const actions = actionsOf(logicalId(synth.stacks.app.leads.formFunction));

    // Assess
    expect(actions).toContain('events:PutEvents');
    expect(actions.some((a) => a.startsWith('ses:') || a.startsWith('sns:'))).toBe(false);
  });

  it('gives every function that reads phone numbers the deployment’s default country', () => {
    // Each function has only its own environment: the reps API reads reps' national numbers too.
    const leads = synth.stacks.app.leads;
    for (const fn of [leads.formFunction, leads.routerFunction, leads.actionsFunction, leads.repsFunction]) {
      const environment = props(synth.app.toJSON().Resources[logicalId(fn)]).Environment as {
        Variables: Record<string, unknown>;
      };
      expect(environment.Variables.DEFAULT_COUNTRY, logicalId(fn)).toBe('FR');
    }
  });

  it('lets the router read contacts and history but not change them', () => {
    // Act
    const statements = statementsForRole(
      synth.app,
      functionRoleId(synth.app, logicalId(synth.stacks.app.leads.routerFunction)),
    );

    // Assess
    const writes = statements.filter((s) =>
      (s.Action ?? []).some((a) =>
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].includes(a),
      ),
    );
    const contactsId = logicalId(synth.stacks.data.tables.contacts);
    expect(JSON.stringify(writes)).not.toContain(contactsId.slice(0, 12));
    expect(JSON.stringify(writes)).toContain(logicalId(synth.stacks.data.tables.leads).slice(0, 12));
  });

  it('routes accepted submissions and appointments, and the SLA journey’s breaches, to the router', () => {
    // Act
    const rules = [...resourcesOfType(synth.app, 'AWS::Events::Rule').values()].map(props);
    const patterns = rules
      .filter((r) => JSON.stringify(r.Targets).includes(logicalId(synth.stacks.app.leads.routerFunction)))
      .map((r) => r.EventPattern);

    // Assess
    expect(patterns).toEqual(
      expect.arrayContaining([
        { source: ['relance.ingest'], 'detail-type': ['lead.submitted', 'appointment.booked'] },
        { source: ['relance.journeys'], 'detail-type': ['lead.sla_breached'] },
      ]),
    );
  });

  it('has no webhook unless one is configured', () => {
    // Assess
    synth.app.resourceCountIs('AWS::Events::ApiDestination', 0);
    synth.app.resourceCountIs('AWS::Events::Connection', 0);
  });
});

describe('with relance:leads.webhook', () => {
  let configured: SynthesizedRelance;
  beforeAll(() => {
    configured = synthRelance({
      'relance:leads': {
        formOrigins: ['https://www.example.com'],
        honeypotField: 'website',
        perClientPerMinute: 10,
        throttle: { rateLimit: 20, burstLimit: 40 },
        webhook: {
          url: 'https://hooks.example.com/relance',
          headerName: 'x-token',
          secretName: 'relance/webhook',
        },
      },
    });
  });
  afterAll(() => configured?.dispose());

  it('sends every accepted lead.assigned to the API destination, with a dead-letter queue', () => {
    // Act
    const destinations = [...resourcesOfType(configured.app, 'AWS::Events::ApiDestination').values()].map(
      props,
    );
    const rules = [...resourcesOfType(configured.app, 'AWS::Events::Rule').values()]
      .map(props)
      .filter((r) => JSON.stringify(r.Targets).includes('WebhookDestination'));

    // Assess
    expect(destinations).toEqual([
      expect.objectContaining({
        InvocationEndpoint: 'https://hooks.example.com/relance',
        HttpMethod: 'POST',
      }),
    ]);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.EventPattern).toEqual({ source: ['relance.ingest'], 'detail-type': ['lead.assigned'] });
    expect(JSON.stringify(rules[0]?.Targets)).toContain('DeadLetterConfig');
  });
});

describe('audience passes', () => {
  it('let the pass function start the scheduled journeys only', () => {
    // Act
    const statements = statementsForRole(
      synth.app,
      functionRoleId(synth.app, logicalId(synth.stacks.app.passes.fn)),
    ).filter((s) => (s.Action ?? []).includes('states:StartExecution'));

    // Assess
    const scheduled = journeys.filter((j) => j.schedule).map((j) => j.id);
    const started = JSON.stringify(statements);
    for (const journey of journeys) {
      const machine = logicalId(synth.stacks.app.engine.stateMachines.get(journey.id) as never);
      expect(started.includes(machine), journey.id).toBe(scheduled.includes(journey.id));
    }
  });

  it('give the scheduler role nothing but starting the pass state machine and sending to the schedule dead-letter queue', () => {
    // Act
    const role = [...resourcesOfType(synth.app, 'AWS::IAM::Role').entries()].find(([, r]) =>
      String(props(r).Description).startsWith('EventBridge Scheduler starts audience passes'),
    );
    const statements = role ? statementsForRole(synth.app, role[0]) : [];

    // Assess
    expect(statements.flatMap((s) => s.Action ?? [])).toEqual(['states:StartExecution', 'sqs:SendMessage']);
    expect(JSON.stringify(statements)).toContain('audience-pass');
  });

  it('create each schedule after the pass state machine and its role policy, since its target ARN is formatted rather than referenced', () => {
    // Act
    const schedules = [...resourcesOfType(synth.app, 'AWS::Scheduler::Schedule').values()].filter((r) =>
      String(props(r).Name).endsWith('-pass'),
    );
    const machine = synth.stacks.app.passes.stateMachine;
    const policy = [...resourcesOfType(synth.app, 'AWS::IAM::Policy').entries()].find(([, r]) =>
      JSON.stringify(props(r).Roles).includes(logicalId(machine.role)),
    );

    // Assess
    expect(schedules.length).toBeGreaterThan(0);
    expect(policy).toBeDefined();
    for (const schedule of schedules) {
      expect(schedule.DependsOn).toEqual(expect.arrayContaining([logicalId(machine), policy?.[0]]));
    }
  });
});
