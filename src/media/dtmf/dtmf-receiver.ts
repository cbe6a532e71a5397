/**
 * Receiving side of RFC 4733 DTMF (§2.5.2): turns a stream of telephone-event packets into one start and one end
 * notification per key press.
 *
 * - An event is identified by its RTP timestamp (§2.5.1.2: every packet of one event carries the event's start
 *   timestamp), so a new key press — even of the same digit — is a packet with a new timestamp.
 * - The end bit (§2.5.1.4) completes an event; the final packet is normally sent three times, so later end packets with
 *   the timestamp of an event already ended are ignored, as are exact duplicates (same sequence number).
 * - If the start packets were lost, the first packet seen (even an end packet) starts the event.
 * - If every end packet was lost, the event is ended when a packet of a newer event arrives or when `expire(now)` finds
 *   it silent for longer than `endTimeoutMs` (§2.5.2.2 leaves the timeout to the receiver).
 * - A packet whose timestamp is older (serial-number arithmetic on 32 bits) than the last ended event is stale.
 * - Long events split into segments (§2.5.1.3): a non-ended event continued by a packet of the same event code whose
 *   timestamp equals the previous timestamp plus its duration is treated as the same key press.
 */
import type { Logger } from '../../core/index.js';
import { TelephoneEvent, eventToDigit } from './telephone-event.js';

export interface DtmfEvent {
  /** '0'-'9', '*', '#', 'A'-'D'; `undefined` for non-digit events such as flash (16). */
  digit: string | undefined;
  /** RFC 4733 event code. */
  event: number;
  /** RTP timestamp of the event start. */
  timestamp: number;
  /** Duration in RTP timestamp units (final on end notifications, so far on start). */
  duration: number;
  /** Duration in milliseconds at the session's clock rate. */
  durationMs: number;
  volume: number;
  /** Whether the end was seen on the wire (false: ended by a newer event or by timeout). */
  endSeen: boolean;
}

export interface DtmfReceiverDelegate {
  onDtmfStart?(event: DtmfEvent): void;
  onDtmf?(event: DtmfEvent): void;
}

export interface DtmfReceiverOptions {
  clockRate?: number;
  endTimeoutMs?: number;
  /** Where a throwing listener is reported (it never corrupts the receiver, STYLE item 7). */
  logger?: Logger;
}

export class DtmfReceiver {
  private readonly clockRate: number;
  private readonly endTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly scratch = new TelephoneEvent();
  private active = false;
  private activeEvent = 0;
  private activeTimestamp = 0;
  private segmentTimestamp = 0;
  private segmentBase = 0;
  private activeDuration = 0;
  private activeVolume = 0;
  private lastPacketAt = 0;
  private lastSeq = -1;
  private hasEnded = false;
  private lastEndedTimestamp = 0;
  /** Counts of packets ignored, for diagnostics. */
  readonly ignored = { duplicate: 0, stale: 0, malformed: 0 };

  constructor(private readonly delegate: DtmfReceiverDelegate, options: DtmfReceiverOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.endTimeoutMs = options.endTimeoutMs ?? 250;
    this.logger = options.logger;
  }

  /** Feed one telephone-event RTP packet (header fields plus the payload location). */
  receive(sequenceNumber: number, timestamp: number, buf: Uint8Array, offset: number, length: number, nowMs: number): void {
    const ev = this.scratch;
    if (ev.decode(buf, offset, length) !== null) {
      this.ignored.malformed++;
      return;
    }
    if (sequenceNumber === this.lastSeq) {
      this.ignored.duplicate++;
      return;
    }
    this.lastSeq = sequenceNumber;
    if (this.active && timestamp === this.segmentTimestamp) {
      this.lastPacketAt = nowMs;
      this.update(ev);
      if (ev.end) this.finish(true);
      return;
    }
    if (this.active && ev.event === this.activeEvent && timestamp === ((this.segmentTimestamp + this.segmentDuration) >>> 0)) {
      // §2.5.1.3: next segment of a long event.
      this.segmentBase = this.activeDuration;
      this.segmentTimestamp = timestamp;
      this.lastPacketAt = nowMs;
      this.update(ev);
      if (ev.end) this.finish(true);
      return;
    }
    if (this.hasEnded && !isNewer(timestamp, this.lastEndedTimestamp)) {
      // A retransmitted end (same timestamp) or a late packet of an older event.
      this.ignored.stale++;
      return;
    }
    if (this.active) {
      if (!isNewer(timestamp, this.segmentTimestamp)) {
        this.ignored.stale++;
        return;
      }
      this.finish(false); // its end packets were lost
    }
    this.active = true;
    this.activeEvent = ev.event;
    this.activeTimestamp = timestamp;
    this.segmentTimestamp = timestamp;
    this.segmentBase = 0;
    this.activeDuration = 0;
    this.lastPacketAt = nowMs;
    this.update(ev);
    this.safe(() => this.delegate.onDtmfStart?.(this.snapshot(false)));
    if (ev.end) this.finish(true);
  }

  /** End an event whose end packets never came, once it has been silent for `endTimeoutMs`. */
  expire(nowMs: number): void {
    if (this.active && nowMs - this.lastPacketAt > this.endTimeoutMs) this.finish(false);
  }

  /** Forget all state (a new RTP source: its timestamps start afresh, RFC 3550 §5.1). No notification is sent. */
  reset(): void {
    this.active = false;
    this.hasEnded = false;
    this.lastSeq = -1;
  }

  /** Whether a key is currently held (an event started and not yet ended). */
  get inEvent(): boolean {
    return this.active;
  }

  private get segmentDuration(): number {
    return this.activeDuration - this.segmentBase;
  }

  private update(ev: TelephoneEvent): void {
    const total = this.segmentBase + ev.duration;
    if (total > this.activeDuration) this.activeDuration = total;
    this.activeVolume = ev.volume;
  }

  private finish(endSeen: boolean): void {
    this.active = false;
    this.hasEnded = true;
    this.lastEndedTimestamp = this.segmentTimestamp;
    const snapshot = this.snapshot(endSeen);
    this.safe(() => this.delegate.onDtmf?.(snapshot));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger?.error({ err }, 'DTMF listener threw');
    }
  }

  private snapshot(endSeen: boolean): DtmfEvent {
    return {
      digit: eventToDigit(this.activeEvent),
      event: this.activeEvent,
      timestamp: this.activeTimestamp,
      duration: this.activeDuration,
      durationMs: (this.activeDuration * 1000) / this.clockRate,
      volume: this.activeVolume,
      endSeen,
    };
  }
}

/** RFC 1982-style comparison on 32-bit timestamps: is `a` after `b`? */
function isNewer(a: number, b: number): boolean {
  const diff = (a - b) >>> 0;
  return diff !== 0 && diff < 0x80000000;
}

