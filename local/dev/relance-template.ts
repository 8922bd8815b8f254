/**
 * Where relance's state lives in a synthesized template. This is read the way the functions
 * receive it: from the environment variables the template gives them, under the names the CDK app
 * and the functions share. It is never read from this process's environment, so the local page,
 * `simulate` and the tests read the tables of the runtime they were given.
 */
import { ENV } from '#platform/env-names.ts';
import { LEAD_ENV } from '#platform/lead-env.ts';
import { journeyTargets } from '../../functions/journeys/journey-targets.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import type { LocalApp } from '../aws/template.ts';

/** The tables the local tools read; a table absent from the template is undefined. */
export interface RelanceTables {
  readonly contacts?: string;
  readonly journeyState?: string;
  readonly ledger?: string;
  readonly leads?: string;
  readonly events?: string;
}

/**
 * The value the template gives its functions for a variable: the first function that has it (the
 * variables read here, table names and journey targets, are the same for every function that has them).
 */
export function functionVariable(app: Pick<LocalApp, 'functions'>, name: string): string | undefined {
  for (const fn of app.functions) {
    const value = fn.environment[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The variable that names each table. */
const TABLE_VARIABLES: Readonly<Record<keyof RelanceTables, string>> = {
  contacts: ENV.contactsTable,
  journeyState: ENV.journeyStateTable,
  ledger: ENV.ledgerTable,
  leads: LEAD_ENV.leadsTable,
  events: ENV.eventsTable,
};

/** The physical names of relance's tables in a template. */
export function relanceTables(app: Pick<LocalApp, 'functions'>): RelanceTables {
  const tables: Partial<Record<keyof RelanceTables, string>> = {};
  for (const [key, variable] of Object.entries(TABLE_VARIABLES) as Array<[keyof RelanceTables, string]>) {
    const name = functionVariable(app, variable);
    if (name) tables[key] = name;
  }
  return tables;
}

/** Journey id by the ARN of its state machine, from the naming rule the template gives its functions. */
export function journeysByStateMachine(app: Pick<LocalApp, 'functions'>): Map<string, string> {
  const namePrefix = functionVariable(app, ENV.journeyNamePrefix);
  const stateMachineArnPrefix = functionVariable(app, ENV.stateMachineArnPrefix);
  const byArn = new Map<string, string>();
  if (!namePrefix || !stateMachineArnPrefix) return byArn;
  const naming = { namePrefix, stateMachineArnPrefix, schedulerRoleArn: '' };
  for (const [journey, target] of Object.entries(
    journeyTargets(
      naming,
      journeys.map((j) => j.id),
    ),
  ))
    byArn.set(target.stateMachineArn, journey);
  return byArn;
}
