/**
 * Incoming SMS from the two-way SMS topic (SNS): an opt-out keyword (STOP, ARRET...) opts the
 * number out of SMS, an opt-in keyword (START, UNSTOP) back in, with the message as proof. Other
 * replies are ignored. A record that fails validation goes to the feedback dead letters once;
 * faults throw, so Lambda retries and then sends the event to the same queue. The phone number is
 * never logged.
 */
import * as z from '#catalogue/zod.ts';
import { nowIso } from '#platform/clock.ts';
import { logger } from '#platform/logger.ts';
import type { AppliedFeedback, FeedbackDeadLetters, FeedbackRepository } from './feedback-repository.ts';
import { type FeedbackInterpretation, interpretInboundSms } from './provider-feedback.ts';

export interface InboundSmsDeps {
  readonly feedback: Pick<FeedbackRepository, 'apply'>;
  readonly deadLetters: Pick<FeedbackDeadLetters, 'malformed'>;
}

/** The SNS notification as Lambda receives it (the fields used). */
const SnsRecord = z.looseObject({
  Sns: z.looseObject({ MessageId: z.string(), Message: z.string(), Timestamp: z.string() }),
});
const SnsEvent = z.looseObject({ Records: z.array(z.unknown()) });

export type InboundSmsResult =
  | { readonly status: 'recorded'; readonly eventType: string; readonly applied: AppliedFeedback }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'dead_lettered'; readonly issues: readonly string[] };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function interpret(record: unknown): FeedbackInterpretation & { messageId?: string } {
  const parsed = SnsRecord.safeParse(record);
  if (!parsed.success) return { kind: 'malformed', issues: ['Sns: is not an SNS notification'] };
  const { MessageId, Message, Timestamp } = parsed.data.Sns;
  const at = Number.isNaN(Date.parse(Timestamp)) ? nowIso() : new Date(Timestamp).toISOString();
  const body = parseJson(Message);
  if (body === undefined)
    return { kind: 'malformed', issues: ['Sns.Message: is not JSON'], messageId: MessageId };
  return { ...interpretInboundSms(body, at), messageId: MessageId };
}

async function receiveRecord(deps: InboundSmsDeps, record: unknown): Promise<InboundSmsResult> {
  const interpretation = interpret(record);
  const keys = interpretation.messageId ? { snsMessageId: interpretation.messageId } : {};
  if (interpretation.kind === 'ignored') {
    logger.info('incoming SMS ignored', { ...keys, reason: interpretation.reason });
    return { status: 'ignored', reason: interpretation.reason };
  }
  if (interpretation.kind === 'malformed') {
    logger.warn('malformed incoming SMS dead-lettered', { ...keys, issues: interpretation.issues });
    await deps.deadLetters.malformed(record, interpretation.issues);
    return { status: 'dead_lettered', issues: interpretation.issues };
  }
  const applied = await deps.feedback.apply(interpretation.effects, nowIso());
  logger.info('incoming SMS recorded', { ...keys, eventType: interpretation.eventType, applied });
  return { status: 'recorded', eventType: interpretation.eventType, applied };
}

/** Each record of an SNS event (or the event itself when it is not one), in order. */
export async function receiveSms(deps: InboundSmsDeps, event: unknown): Promise<InboundSmsResult[]> {
  const parsed = SnsEvent.safeParse(event);
  const records = parsed.success ? parsed.data.Records : [event];
  const results: InboundSmsResult[] = [];
  for (const record of records) results.push(await receiveRecord(deps, record));
  return results;
}
