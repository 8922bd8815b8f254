/**
 * CloudWatch metrics from the embedded metric format, locally. In AWS, CloudWatch Logs extracts
 * metrics from log lines that carry an `_aws` member (EMF): each `CloudWatchMetrics` directive
 * names a namespace, dimension sets (each a list of root member names, at most 30) and metrics
 * (Name, Unit), and each metric's value is the root member of that name: a number or an array of
 * up to 100 numbers. A line that is not valid EMF stays an ordinary log line. Datapoints are kept
 * as statistic sets per namespace, metric and dimension combination (sum, count, min, max).
 */

export interface MetricSeries {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly unit: string;
  sum: number;
  count: number;
  min: number;
  max: number;
  /** When the last datapoint was written (the EMF `Timestamp`, milliseconds since the epoch). */
  lastAt: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class LocalCloudWatchMetrics {
  private readonly series = new Map<string, MetricSeries>();

  /** Records the metrics of `line` if it is an EMF document; returns whether it was one. */
  ingestLogLine(line: string): boolean {
    const start = line.indexOf('{');
    if (start === -1 || !line.includes('"_aws"')) return false;
    let document: unknown;
    try {
      document = JSON.parse(line.slice(start));
    } catch {
      return false;
    }
    if (!isObject(document) || !isObject(document._aws)) return false;
    const { Timestamp, CloudWatchMetrics } = document._aws;
    if (typeof Timestamp !== 'number' || !Array.isArray(CloudWatchMetrics)) return false;
    for (const directive of CloudWatchMetrics) {
      if (!isObject(directive) || typeof directive.Namespace !== 'string') continue;
      const dimensionSets = Array.isArray(directive.Dimensions) ? directive.Dimensions : [[]];
      const metrics = Array.isArray(directive.Metrics) ? directive.Metrics : [];
      for (const set of dimensionSets) {
        const dimensions = dimensionValues(document, set);
        if (!dimensions) continue;
        for (const metric of metrics) {
          if (!isObject(metric) || typeof metric.Name !== 'string') continue;
          const values = numbers(document[metric.Name]);
          if (values.length === 0) continue;
          const unit = typeof metric.Unit === 'string' ? metric.Unit : 'None';
          this.record(directive.Namespace, metric.Name, dimensions, unit, values, Timestamp);
        }
      }
    }
    return true;
  }

  /** Every series, most recently written first. */
  list(): MetricSeries[] {
    return [...this.series.values()].sort((a, b) => b.lastAt - a.lastAt);
  }

  private record(
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
    unit: string,
    values: number[],
    at: number,
  ): void {
    const key = JSON.stringify([namespace, metricName, Object.entries(dimensions).sort()]);
    let series = this.series.get(key);
    if (!series) {
      series = {
        namespace,
        metricName,
        dimensions,
        unit,
        sum: 0,
        count: 0,
        min: Infinity,
        max: -Infinity,
        lastAt: at,
      };
      this.series.set(key, series);
    }
    for (const value of values) {
      series.sum += value;
      series.count += 1;
      series.min = Math.min(series.min, value);
      series.max = Math.max(series.max, value);
    }
    series.lastAt = Math.max(series.lastAt, at);
  }
}

/** The values of a dimension set's members, or undefined when one is missing or not a string (CloudWatch drops the set). */
function dimensionValues(document: Json, set: unknown): Record<string, string> | undefined {
  if (!Array.isArray(set) || set.length > 30) return undefined;
  const dimensions: Record<string, string> = {};
  for (const name of set) {
    const value = typeof name === 'string' ? document[name] : undefined;
    if (typeof value !== 'string') return undefined;
    dimensions[name] = value;
  }
  return dimensions;
}

function numbers(value: unknown): number[] {
  const all = Array.isArray(value) ? value.slice(0, 100) : [value];
  return all.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}
