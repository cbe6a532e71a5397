/**
 * Receive-side statistics for one source, RFC 3550 Appendix A:
 *  - A.1 sequence number validation and the extended highest sequence number (16-bit wrap counted in `cycles`), with
 *    the probation of a new source (MIN_SEQUENTIAL in-order packets), MAX_DROPOUT / MAX_MISORDER handling and the
 *    resynchronisation after two packets of a large jump;
 *  - A.3 expected / lost packets, cumulative and the fraction for the last report interval;
 *  - A.8 interarrival jitter: J += (|D(i-1,i)| − J) / 16, in timestamp units.
 * No allocation per packet.
 */
const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiveStatistics {
  ssrc = 0;
  packets = 0;
  octets = 0;
  /** Packets rejected by A.1 (probation, large jumps awaiting confirmation). */
  discarded = 0;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private hasTransit = false;
  private jitterValue = 0;
  private started = false;

  constructor(private readonly clockRate = 8000, private readonly minSequential = 2) {}

  /** Start tracking a new source (A.1: the first packet puts it on probation). */
  reset(ssrc: number, seq: number): void {
    this.ssrc = ssrc;
    this.initSequence(seq);
    this.maxSeq = (seq - 1) & 0xffff;
    this.probation = this.minSequential;
    this.hasTransit = false;
    this.jitterValue = 0;
    this.packets = 0;
    this.octets = 0;
    this.started = true;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Whether the source has passed probation. */
  get isValid(): boolean {
    return this.started && this.probation === 0;
  }

  /**
   * Account one packet. Returns false when A.1 says the packet should not be counted (probation or an unconfirmed
   * jump); the caller may still deliver it.
   */
  update(seq: number, payloadOctets: number): boolean {
    // Every valid packet of the source counts towards packets/octets; A.1 decides what counts for loss.
    this.packets++;
    this.octets += payloadOctets;
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSequence(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      this.discarded++;
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the source restarted, resync (A.1).
        this.initSequence(seq);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        this.discarded++;
        return false;
      }
    }
    // else: duplicate or reordered packet — counted, no change to max_seq.
    this.received++;
    return true;
  }

  /** A.8: update jitter with one packet's RTP timestamp and arrival time (ms). */
  updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (this.hasTransit) {
      let d = transit - this.transit;
      // Timestamps are modulo 2^32: take the shortest distance.
      if (d > 2147483648) d -= 4294967296;
      else if (d < -2147483648) d += 4294967296;
      if (d < 0) d = -d;
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.transit = transit;
    this.hasTransit = true;
  }

  /** Extended highest sequence number received (cycles + max_seq). */
  get extendedHighestSequence(): number {
    return (this.cycles + this.maxSeq) >>> 0;
  }

  get expected(): number {
    return this.isValid ? this.cycles + this.maxSeq - this.baseSeq + 1 : 0;
  }

  /** Cumulative number of packets lost (A.3; may be negative with duplicates). */
  get cumulativeLost(): number {
    return this.expected - this.received;
  }

  /** Interarrival jitter in timestamp units (the value a report block carries). */
  get jitter(): number {
    return Math.floor(this.jitterValue);
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.jitterValue * 1000) / this.clockRate;
  }

  /**
   * Fraction lost since the previous call, as the 8-bit fixed-point value of a report block (A.3). Moves the interval
   * boundary, so call it once per report.
   */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.floor((lostInterval << 8) / expectedInterval);
  }

  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }
}
