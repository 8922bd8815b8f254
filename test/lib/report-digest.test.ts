// The weekly digest in the template: a Monday-morning schedule in the deployment's zone, a function
// that reads the ledger, the runs and the event history and sends from the sender identity only;
// none at all when nobody is to receive it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flatten,
  functionRoleId,
  logicalId,
  props,
  resourcesOfType,
  type SynthesizedRelance,
  statementsForRole,
  synthRelance,
} from './synth.ts';

describe('the weekly digest', () => {
  let synth: SynthesizedRelance;
  beforeAll(() => {
    synth = synthRelance();
  });
  afterAll(() => synth.dispose());

  it('is scheduled every Monday at 08:00 in the default zone, with retries and a dead-letter queue', () => {
    const digest = synth.stacks.app.digest;
    if (!digest) throw new Error('no digest in the default deployment');
    const schedule = [...resourcesOfType(synth.app, 'AWS::Scheduler::Schedule').values()]
      .map(props)
      .find((p) => p.ScheduleExpression === 'cron(0 8 ? * MON *)');

    expect(schedule).toMatchObject({
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalId(digest.fn), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2 },
      },
    });
    const target = schedule?.Target as { DeadLetterConfig?: unknown } | undefined;
    expect(flatten(target?.DeadLetterConfig)).toContain(logicalId(synth.stacks.app.scheduleDeadLetters));
  });

  it('reads the journey counters and runs, queries the history, and sends e-mail from the sender identity only', () => {
    const digest = synth.stacks.app.digest;
    if (!digest) throw new Error('no digest in the default deployment');
    const actions = statementsForRole(synth.app, functionRoleId(synth.app, logicalId(digest.fn)))
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => s.Action ?? [])
      .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));

    expect([...new Set(actions)].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'ses:SendEmail',
    ]);
  });

  it('is left out when reportDigest.recipients is empty', () => {
    const without = synthRelance({ 'relance:reportDigest': { recipients: [] } });
    try {
      expect(without.stacks.app.digest).toBeUndefined();
      expect(
        [...resourcesOfType(without.app, 'AWS::Lambda::Function').values()].some((fn) =>
          JSON.stringify(fn).includes('digest-handler'),
        ),
      ).toBe(false);
    } finally {
      without.dispose();
    }
  });
});
