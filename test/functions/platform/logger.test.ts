// relance's log records as CloudWatch Logs receives them: Powertools' JSON without the fields each
// record of a function repeats (billed by the byte), with what tells one invocation from another.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '#platform/logger.ts';
import { lambdaContext } from '../lambda-context.ts';

let lines: string[];

beforeEach(() => {
  lines = [];
  // Powertools writes INFO to stdout, WARN and ERROR to stderr: Lambda sends both to the log group.
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk).trim());
      return true;
    });
  logger.setLogLevel('INFO');
  logger.addContext(lambdaContext('relance-ingest'));
});

afterEach(() => {
  logger.setLogLevel('SILENT');
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** The JSON records written, parsed. */
const records = () => lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));

describe('logger', () => {
  it("writes the level, message, time, cold start, request id and the record's keys, and none of the per-function constants", () => {
    // Act
    logger.info('event accepted', { eventId: 'evt-1', detailType: 'cart.updated' });

    // Assess: exactly these keys (no function_arn, function_name, function_memory_size, sampling_rate, service).
    expect(records()[0]).toEqual({
      level: 'INFO',
      message: 'event accepted',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      cold_start: expect.any(Boolean),
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      eventId: 'evt-1',
      detailType: 'cart.updated',
    });
  });

  it('keeps the trace id when the function is traced', () => {
    // Prepare
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );

    // Act
    logger.warn('provider event ignored', { reason: 'unknown message' });

    // Assess
    expect(records()[0]).toMatchObject({
      level: 'WARN',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      reason: 'unknown message',
    });
  });

  it('still writes an error with its name, message and stack', () => {
    // Act
    logger.error('step failed', new TypeError('bad input'));

    // Assess
    expect(records()[0]).toMatchObject({
      level: 'ERROR',
      message: 'step failed',
      error: { name: 'TypeError', message: 'bad input', stack: expect.stringContaining('TypeError') },
    });
  });
});
