/**
 * Cancels a run's pending resume schedule (the event router, when an event resolves the wait
 * first; the run sweeper, when it resumes an overdue run itself). Apart from scheduling (run-scheduler.ts) so each function's bundle reaches only the
 * scheduler call it makes: CreateSchedule for the journey-step function and audience passes,
 * DeleteSchedule for the router.
 */
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { scheduler } from '#platform/clients/scheduler.ts';
import type { JourneyTarget } from './run-scheduler.ts';

/**
 * Deletes a pending schedule (an event resolved the wait first, or the run sweeper resumes the run
 * itself); already gone is fine. True when the schedule was there.
 */
export async function cancelResume(target: JourneyTarget, name: string): Promise<boolean> {
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: target.scheduleGroup }));
    return true;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    return false;
  }
}
