import type { FastifyInstance } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics at `/metrics`. One registry per server (no global default registry), so several servers in
 * one process — tests, benchmarks — never mix their figures. Services add their own metrics to `registry`.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'patchbay_' });
  return registry;
}

/** Gauges read from their source when scraped: `[name, help, read]` each. */
export function readOnScrape(registry: Registry, gauges: ReadonlyArray<readonly [string, string, () => number]>): void {
  for (const [name, help, read] of gauges) {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  }
}

export function mountMetrics(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('Content-Type', registry.contentType).send(body);
  });
}
