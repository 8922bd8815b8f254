// The functions' metrics on the local runtime: written as EMF by Powertools Metrics, extracted as
// CloudWatch Logs would (not echoed to the terminal), shown by the page's /_relance/metrics view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../local/aws/cloudwatch-metrics.ts';
import { DASHBOARD_ROUTES, metricsView } from '../../local/dev/dashboard.ts';
import {
  eventId,
  type LocalSystem,
  postEvent,
  signUpPosted,
  startLocalSystem,
} from '../support/local-system.ts';

describe('metrics on the local runtime', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  it('counts the accepted event, the run started and the e-mail sent, with the Stage dimension', async () => {
    const response = await postEvent(
      system.endpoint,
      JSON.stringify(signUpPosted(eventId('metrics'), 'metrics.user@example.com')),
    );
    expect(response.status).toBe(202);
    await system.runtime.idle();

    // The page's /_relance/metrics view.
    expect(DASHBOARD_ROUTES.get('/_relance/metrics')).toBe(metricsView);
    const series: MetricSeries[] = metricsView(system.runtime);
    const find = (name: string, dimensions: Record<string, string>) =>
      series.find(
        (s) => s.metricName === name && JSON.stringify(s.dimensions) === JSON.stringify(dimensions),
      );
    expect(find('EventsAccepted', { Stage: 'default' })?.sum).toBeGreaterThanOrEqual(1);
    expect(find('RunsStarted', { Stage: 'default', Journey: 'welcome' })?.sum).toBe(1);
    expect(find('MessagesSent', { Stage: 'default', Channel: 'email' })?.sum).toBe(1);
    expect(series.every((s) => s.namespace === 'Relance')).toBe(true);
  });
});
