/**
 * A call's record writes, one after another (DESIGN: a record is stored before anyone is told): each status change is
 * written, then its status callback is queued, then observers (the bus, metrics) hear of it. A failing write,
 * callback or observer is logged with the call and the chain goes on, so one failure never stalls the call's record.
 * Shared by inbound calls and the calls Patchbay places.
 */
import type { Clock, Logger } from '../../core/index.js';
import type { CallStatus, Store } from '../../store/index.js';

export interface CallRecordWriterOptions {
  sid: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Told after each stored status change (the caller builds its event); a throw is only logged. */
  observe(status: CallStatus, timestamp: number): void;
}

export type CallStatusPatch = { status: CallStatus; startTime?: number; endTime?: number; duration?: number };

export class CallRecordWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: CallRecordWriterOptions) {}

  /** Runs `task` after every earlier write; its outcome is the caller's, the chain goes on either way. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const done = this.chain.then(task);
    this.chain = done.then(() => undefined, () => undefined);
    return done;
  }

  /**
   * Writes a status change, then runs `then` (its status callback), then tells the observer. With `stored`, the
   * record holds the status already (the caller wrote it, as the condition for going on): only the rest follows.
   */
  status(patch: CallStatusPatch, then: () => void, stored = false): void {
    const { store, clock, logger, sid } = this.options;
    void this.run(async () => {
      try {
        if (!stored) await store.calls.update(sid, { ...patch, dateUpdated: clock.now() });
      } catch (err) {
        logger.error({ err, status: patch.status }, 'call record update failed');
      }
      try {
        then();
      } catch (err) {
        logger.error({ err }, 'status callback failed');
      }
      this.observe(patch.status, clock.now());
    });
  }

  /** Tells the observer of a status stored outside `status()` (the record's creation). */
  observe(status: CallStatus, timestamp: number): void {
    try {
      this.options.observe(status, timestamp);
    } catch (err) {
      this.options.logger.error({ err }, 'call observer threw');
    }
  }

  /** Resolves once every write queued so far is done. */
  idle(): Promise<void> {
    return this.chain;
  }
}
