/**
 * relance's metrics, written as CloudWatch embedded metric format (EMF) log lines by Powertools
 * Metrics: CloudWatch extracts them from the function's logs, no PutMetricData call or permission.
 * Each call writes one line at once (a single metric), so a metric is never lost to a handler that
 * throws before a flush, and no handler needs a middleware.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEFAULT_STAGE, type METRIC, METRICS_NAMESPACE, STAGE_DIMENSION, STAGE_ENV } from './metric-names.ts';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** One writer per set of dimension values: a send path counts on every message, without building one each time. */
const writers = new Map<string, Metrics>();

function single(extra: Readonly<Record<string, string>>): Metrics {
  const dimensions = { [STAGE_DIMENSION]: process.env[STAGE_ENV] || DEFAULT_STAGE, ...extra };
  const key = JSON.stringify(dimensions);
  let metrics = writers.get(key);
  if (!metrics) {
    metrics = new Metrics({ namespace: METRICS_NAMESPACE, singleMetric: true });
    // Only the dimensions relance documents (Powertools adds `service` by default); defaults stay
    // across the lines a single-metric writer flushes.
    metrics.clearDefaultDimensions();
    metrics.setDefaultDimensions(dimensions);
    writers.set(key, metrics);
  }
  return metrics;
}

/** Counts `value` occurrences of `name`, with the Stage dimension and the extra ones given. */
export function countMetric(
  name: MetricName,
  value = 1,
  dimensions: Readonly<Record<string, string>> = {},
): void {
  single(dimensions).addMetric(name, MetricUnit.Count, value);
}

/** Records a duration in milliseconds. */
export function millisecondsMetric(
  name: MetricName,
  milliseconds: number,
  dimensions: Readonly<Record<string, string>> = {},
): void {
  single(dimensions).addMetric(name, MetricUnit.Milliseconds, Math.max(0, milliseconds));
}
