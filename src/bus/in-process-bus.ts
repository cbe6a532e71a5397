import type { Logger } from '../core/index.js';
import type { Bus, BusHandler } from './bus.js';

/** The embedded default: delivery on the next tick, so a publisher never runs its subscribers' code inline. */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly handlers = new Map<string, Set<BusHandler>>();

  constructor(private readonly logger: Logger) {}

  async publish(topic: string, payload: unknown): Promise<number> {
    const set = this.handlers.get(topic);
    if (!set) return 0;
    for (const handler of [...set]) {
      queueMicrotask(() => {
        try {
          handler(payload, topic);
        } catch (err) {
          // A failing subscriber is logged and never disturbs the publisher or other subscribers.
          this.logger.error({ err, topic }, 'bus subscriber failed');
        }
      });
    }
    return set.size;
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
