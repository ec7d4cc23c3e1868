import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { MetricsService } from '../../src/metrics/metrics.service.js';

/** Reading a MetricsService's exposition in the metrics specs (src/metrics/*.spec.ts). */

export type Families = ReturnType<typeof parsePrometheusTextFormat>;

export async function scrape(metrics: MetricsService): Promise<{ text: string; families: Families }> {
  const { body } = await metrics.exposition();
  return { text: body, families: parsePrometheusTextFormat(body) };
}

/** The parser merges labelled histogram series, so counts are read from the `_count` line. */
export function histogramCount(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}_count{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}
