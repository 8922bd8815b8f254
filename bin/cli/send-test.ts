/**
 * `relance send-test <journey>/<step> --to <address> [--contact <email|id|file>] [--trigger JSON|FILE]`:
 * sends one send step's message through the send path the journey-step function runs (the same
 * wiring and `sendMessage`, with the deployment's settings), rendered with a contact's data, to an
 * address on the deployment's test list. The ledger records it as a test; reports never count it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Contact } from '#catalogue/contact.ts';
import type { SendStep } from '#language/types.ts';
import type { LedgerOutcome } from '../../functions/delivery/ledger.ts';
import { journeys } from '../../workflows/journeys/index.ts';
import { type DeploymentOptions, jsonObjectArgument, openDeployment, UsageError } from './audience.ts';

export interface SendTestOptions extends DeploymentOptions {
  /** The test recipient: an e-mail address or an E.164 number on the deployment's test list. */
  readonly to: string;
  /** Whose data renders it: an e-mail address or contact id of the deployment, or a JSON file. */
  readonly contact?: string;
  /** The trigger detail the template reads: a JSON object, or a file holding one. */
  readonly trigger?: string;
}

export interface SendTestResult {
  readonly journeyId: string;
  readonly stepId: string;
  readonly to: string;
  readonly ledgerKey: string;
  readonly outcome: LedgerOutcome;
}

function sendStepOf(target: string): { journeyId: string; step: SendStep } {
  const [journeyId = '', stepId = ''] = target.split('/');
  const journey = journeys.find((j) => j.id === journeyId);
  if (!journey) throw new UsageError(`unknown journey "${journeyId}" (give <journey>/<step>)`);
  const step = journey.steps[stepId];
  if (step?.type !== 'send') {
    const sends = Object.values(journey.steps)
      .filter((s) => s.type === 'send')
      .map((s) => s.id);
    throw new UsageError(
      `"${stepId}" is not a send step of ${journeyId} (its send steps: ${sends.join(', ')})`,
    );
  }
  return { journeyId, step };
}

export async function sendTest(target: string, options: SendTestOptions): Promise<SendTestResult> {
  const { journeyId, step } = sendStepOf(target);
  const trigger = options.trigger ? jsonObjectArgument(options.trigger, '--trigger') : {};
  const deployment = openDeployment(options);
  // The send path reads its settings from the environment, as the journey-step function does; its
  // info lines would mix with this command's output.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  for (const [name, value] of Object.entries(deployment.variables))
    if (value !== undefined && process.env[name] === undefined) process.env[name] = value;
  const { journeyDepsFromEnvironment } = await import('../../functions/journeys/wiring.ts');
  const { sendMessage } = await import('../../functions/journeys/send-message.ts');
  const deps = journeyDepsFromEnvironment();
  if (!(deps.sending.testRecipients ?? []).includes(options.to))
    throw new UsageError(
      `--to: ${options.to} is not on the deployment's test list (relance:testRecipients: ${(deps.sending.testRecipients ?? []).join(', ') || 'none'})`,
    );
  const at = new Date().toISOString();
  let contact: Contact | undefined;
  if (!options.contact) contact = Contact.parse({ contactId: 'test', createdAt: at, updatedAt: at });
  else if (existsSync(options.contact))
    contact = Contact.parse({
      contactId: 'test',
      createdAt: at,
      updatedAt: at,
      ...jsonObjectArgument(options.contact, '--contact'),
    });
  else {
    const id = options.contact.includes('@')
      ? await deps.contacts.findByIdentity('EMAIL', options.contact.trim().toLowerCase())
      : options.contact;
    contact = id ? await deps.contacts.get(id) : undefined;
    if (!contact) throw new UsageError(`--contact: no contact found for ${options.contact}`);
  }
  const ledgerKey = `TEST#${journeyId}#${step.id}#${randomUUID()}`;
  const outcome = await sendMessage(deps, {
    ledgerKey,
    journeyId,
    runKey: `test:${randomUUID()}`,
    gen: 0,
    stepId: step.id,
    channel: step.channel,
    template: step.template,
    category: step.category,
    ...(step.topic ? { topic: step.topic } : {}),
    contact,
    trigger,
    test: { to: options.to },
  });
  return { journeyId, stepId: step.id, to: options.to, ledgerKey, outcome };
}

export function formatSendTest(result: SendTestResult): string[] {
  const { outcome } = result;
  const what =
    outcome.status === 'sent'
      ? `sent (provider message ${outcome.providerMessageId})`
      : `${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}${outcome.detail ? ` (${outcome.detail})` : ''}`;
  return [
    `test of ${result.journeyId}/${result.stepId} to ${result.to}: ${what}`,
    `  ledger ${result.ledgerKey} (a test: never counted)`,
  ];
}
