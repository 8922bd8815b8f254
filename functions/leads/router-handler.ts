/**
 * Lambda: the lead service's events. `lead.submitted` and `appointment.booked` as ingest accepted
 * them (contact resolved), `lead.sla_breached` from the lead-sla journey, and the periodic pass over
 * the unassigned queue (`leads.unassigned_pass`, from an EventBridge Scheduler schedule). A fault
 * throws so the asynchronous invocation retries, then lands in the dead-letter queue; it is never
 * dropped.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { AppointmentBooked } from '#catalogue/appointment-booked.ts';
import { LeadSlaBreached } from '#catalogue/lead-sla-breached.ts';
import { LeadSubmitted } from '#catalogue/lead-submitted.ts';
import * as z from '#catalogue/zod.ts';
import { UNASSIGNED_QUEUE } from '#platform/lead-env.ts';
import { logger } from '#platform/logger.ts';
import { METRIC } from '#platform/metric-names.ts';
import { countMetric, millisecondsMetric } from '#platform/metrics.ts';
import {
  handleAppointmentBooked,
  handleLeadSubmitted,
  handleSlaBreach,
  handleUnassignedQueue,
} from './lead-service.ts';
import { leadDepsFromEnvironment } from './wiring.ts';

const deps = leadDepsFromEnvironment();

const Envelope = z.looseObject({ 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) });

async function route(raw: unknown): Promise<unknown> {
  const event = Envelope.parse(raw);
  switch (event['detail-type']) {
    case 'lead.submitted': {
      // Ingest resolved the contact: `contact.contactId` is set.
      const detail = LeadSubmitted.parse(event.detail);
      const result = await handleLeadSubmitted(deps, detail);
      if (result.outcome === 'assigned') {
        // The rep was notified as the lead was assigned: speed to lead, from the form to the rep.
        countMetric(METRIC.leadsRouted);
        millisecondsMetric(METRIC.timeToFirstRepNotification, deps.nowMs() - Date.parse(detail.occurredAt));
      }
      logger.info('lead routed', { leadId: detail.leadId, ...result });
      return result;
    }
    case 'lead.sla_breached': {
      const breach = LeadSlaBreached.parse(event.detail);
      const result = await handleSlaBreach(deps, breach);
      countMetric(METRIC.leadSlaBreaches);
      logger.info('lead SLA breach handled', { leadId: breach.leadId, stage: breach.stage, ...result });
      return result;
    }
    case 'appointment.booked': {
      const detail = AppointmentBooked.parse(event.detail);
      const result = await handleAppointmentBooked(deps, detail);
      logger.info('appointment passed on to the rep', { appointmentId: detail.appointmentId, ...result });
      return result;
    }
    case UNASSIGNED_QUEUE.passDetailType: {
      const result = await handleUnassignedQueue(deps);
      logger.info('unassigned queue passed', result);
      return result;
    }
    default:
      logger.warn('event type not handled by the lead router', { detailType: event['detail-type'] });
      return { outcome: 'ignored' };
  }
}

export const handler = middy(route).use(injectLambdaContext(logger, { resetKeys: true }));
