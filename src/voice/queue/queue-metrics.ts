import { Gauge, Histogram, type Registry } from 'prom-client';

/** What the metrics read from the queue when scraped. */
export interface QueueMetricsSource {
  /** Waiting calls per account (accounts with none may be left out). */
  depthByAccount(): ReadonlyMap<string, number>;
  /** Calls released by the queue and not yet ended, platform-wide. */
  readonly activeCount: number;
}

/**
 * The outbound call queue's Prometheus metrics: queue depth per account (a gauge read at scrape time), the time
 * each call waited per account (a histogram observed at release) and the calls the queue holds slots for.
 */
export class QueueMetrics {
  private readonly waitSeconds: Histogram<'account_sid'>;

  constructor(registry: Registry, source: QueueMetricsSource) {
    new Gauge({
      name: 'patchbay_outbound_queue_depth',
      help: 'Outbound calls waiting in the call queue, per account',
      labelNames: ['account_sid'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [accountSid, depth] of source.depthByAccount()) this.set({ account_sid: accountSid }, depth);
      },
    });
    new Gauge({
      name: 'patchbay_outbound_calls_active',
      help: 'Outbound calls released by the call queue and not yet ended (counted against the global capacity)',
      registers: [registry],
      collect() {
        this.set(source.activeCount);
      },
    });
    this.waitSeconds = new Histogram({
      name: 'patchbay_outbound_queue_wait_seconds',
      help: 'Time an outbound call waited in the call queue before it was released, per account',
      labelNames: ['account_sid'],
      buckets: [0, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    });
  }

  waited(accountSid: string, ms: number): void {
    this.waitSeconds.observe({ account_sid: accountSid }, ms / 1000);
  }
}
