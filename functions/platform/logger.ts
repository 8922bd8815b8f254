import { Logger } from '@aws-lambda-powertools/logger';
// Every handler logs, so every deployed function gets stack traces at their source lines.
import './source-mapped-stacks.ts';

/**
 * The structured logger. Never log e-mail addresses or phone numbers: log contactId, eventId,
 * runKey and ledger keys instead.
 */
export const logger = new Logger({ serviceName: 'relance' });
