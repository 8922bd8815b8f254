/**
 * Cancels a run's pending resume schedule (the event router, when an event resolves the wait
 * first). Apart from scheduling (run-scheduler.ts) so each function's bundle reaches only the
 * scheduler call it makes: CreateSchedule for the journey-step function and audience passes,
 * DeleteSchedule for the router.
 */
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { scheduler } from '#platform/clients/scheduler.ts';
import type { JourneyTarget } from './run-scheduler.ts';

/** Deletes a pending schedule (an event resolved the wait first); already gone is fine. */
export async function cancelResume(target: JourneyTarget, name: string): Promise<void> {
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: target.scheduleGroup }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
  }
}
