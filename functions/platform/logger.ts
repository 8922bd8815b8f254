import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
// Every handler logs, so every deployed function gets stack traces at their source lines.
import './source-mapped-stacks.ts';

/**
 * Powertools' JSON record without the fields every record of a function repeats: its ARN, name and
 * memory size (a function logs to its own log group, which Logs Insights shows as `@log`), the
 * sampling rate and the service name (constants here). CloudWatch Logs bills ingestion by the byte,
 * and those fields were about 200 of an INFO record's 450-650 bytes. The level, message, time, cold
 * start, request id and trace id stay, then the record's own keys.
 */
class RelanceLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        cold_start: attributes.lambdaContext?.coldStart,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/**
 * The structured logger. Never log e-mail addresses or phone numbers: log contactId, eventId,
 * runKey and ledger keys instead.
 */
export const logger = new Logger({ serviceName: 'relance', logFormatter: new RelanceLogFormatter() });
