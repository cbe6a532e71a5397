import { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import type { Bus, BusHandler } from './bus.js';

/** Cluster mode: events travel over Redis pub/sub to every node (one connection publishes, one subscribes). */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  private readonly handlers = new Map<string, Set<BusHandler>>();

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
    private readonly prefix: string,
  ) {
    subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  static async connect(url: string, logger: Logger, prefix = 'patchbay:'): Promise<RedisBus> {
    const options = { lazyConnect: true, maxRetriesPerRequest: 3 };
    const publisher = new Redis(url, options);
    const subscriber = new Redis(url, options);
    await Promise.all([publisher.connect(), subscriber.connect()]);
    return new RedisBus(publisher, subscriber, logger, prefix);
  }

  private deliver(channel: string, message: string): void {
    const topic = channel.slice(this.prefix.length);
    const set = this.handlers.get(topic);
    if (!set) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (err) {
      this.logger.warn({ err, topic }, 'dropping malformed bus message');
      return;
    }
    for (const handler of [...set]) {
      try {
        handler(payload, topic);
      } catch (err) {
        this.logger.error({ err, topic }, 'bus subscriber failed');
      }
    }
  }

  async publish(topic: string, payload: unknown): Promise<number> {
    return this.publisher.publish(this.prefix + topic, JSON.stringify(payload));
  }

  async subscribe(topic: string, handler: BusHandler): Promise<() => void> {
    let set = this.handlers.get(topic);
    if (!set) {
      this.handlers.set(topic, (set = new Set()));
      await this.subscriber.subscribe(this.prefix + topic);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) {
        this.handlers.delete(topic);
        void this.subscriber.unsubscribe(this.prefix + topic).catch(() => undefined);
      }
    };
  }

  async ping(): Promise<boolean> {
    return (await this.publisher.ping()) === 'PONG';
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
