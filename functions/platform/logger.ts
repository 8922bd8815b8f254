import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The structured logger. Never log e-mail addresses or phone numbers: log contactId, eventId,
 * runKey and ledger keys instead.
 */
export const logger = new Logger({ serviceName: 'relance' });
