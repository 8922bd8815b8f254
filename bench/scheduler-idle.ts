/**
 * The local Scheduler with many runs waiting: 30,000 pending schedules, and the runtime's tick
 * asking every 100 ms what is due (local/dev/runtime.ts). It copied and sorted every pending
 * schedule on each tick (81% of a core at 30,000); a timer heap makes an idle tick cost nothing.
 */
import { SchedulerService } from '../local/aws/scheduler/scheduler.ts';
import { count, type Table, verdict } from './report.ts';

const PENDING = 30_000;
const TICK_MS = 100;
const MEASURE_MS = 5_000;
/** Target: under 5% of one core while nothing is due. */
const TARGET_SHARE = 0.05;

async function createPending(scheduler: SchedulerService, n: number, nowMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    // Due over the next year, a run's resume each.
    const at = new Date(nowMs + 86_400_000 + i * 1_000).toISOString().slice(0, 19);
    const answer = await scheduler.handler({
      method: 'POST',
      path: `/schedules/resume-${i}`,
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ScheduleExpression: `at(${at})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Relance-welcome',
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
        },
      }),
    });
    if (answer.status !== 200) throw new Error(`CreateSchedule answered ${answer.status}: ${answer.body}`);
  }
}

export async function benchSchedulerIdle(nowMs: number): Promise<Table[]> {
  const scheduler = new SchedulerService({ now: () => nowMs });
  await createPending(scheduler, PENDING, nowMs);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let ticks = 0;
  while (performance.now() - started < MEASURE_MS) {
    if (scheduler.due(nowMs).length > 0) throw new Error('nothing should be due');
    ticks++;
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const cpu = process.cpuUsage(cpuBefore);
  const share = (cpu.user + cpu.system) / 1000 / (performance.now() - started);
  return [
    {
      title: 'Local Scheduler, idle with many waiting runs',
      columns: ['figure', 'value', 'target', 'verdict'],
      rows: [
        [
          `CPU with ${count(PENDING)} pending schedules, ticking every ${TICK_MS} ms`,
          `${(share * 100).toFixed(2)}% of a core`,
          `< ${TARGET_SHARE * 100}%`,
          verdict(share < TARGET_SHARE),
        ],
      ],
      notes: [`${count(ticks)} ticks over ${MEASURE_MS / 1000} s; process CPU time over wall time`],
    },
  ];
}
