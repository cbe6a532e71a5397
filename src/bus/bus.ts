/**
 * Publish/subscribe of domain events. Topics are strings such as `call.status`; payloads are JSON-serializable so
 * the same code runs over the in-process bus and the Redis bus of cluster mode.
 */
export type BusHandler = (payload: unknown, topic: string) => void;

export interface Bus {
  readonly kind: 'in-process' | 'redis';
  /**
   * Resolves with how many subscribers received the message: handlers in process, nodes over Redis (its `PUBLISH`
   * count; each node holds one subscriber connection). A request/reply over the bus knows from it how many answers
   * to wait for.
   */
  publish(topic: string, payload: unknown): Promise<number>;
  /** Returns the function that unsubscribes. */
  subscribe(topic: string, handler: BusHandler): Promise<() => void>;
  close(): Promise<void>;
}
