/**
 * Hands out RTP ports from a configured range. RTP uses even ports and RTCP the next odd one (RFC 3550 §11, the
 * convention SDP assumes when there is no `a=rtcp`, RFC 3605); a pair is reserved together even when rtcp-mux is
 * negotiated so that a later re-INVITE without mux still finds RTP+1 free. Allocation rotates through the range so a
 * just-released port is not reused at once (late packets of the old call would land in the new one).
 */
export interface PortRange {
  min: number;
  max: number;
}

export class PortAllocator {
  private readonly inUse = new Set<number>();
  private readonly first: number;
  private readonly pairs: number;
  private next = 0;

  /** Throws a RangeError when the range holds no even/odd pair. */
  constructor(range: PortRange) {
    const first = range.min % 2 === 0 ? range.min : range.min + 1;
    const pairs = Math.floor((range.max - first + 1) / 2);
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max > 65535 || pairs < 1) {
      throw new RangeError(`RTP port range ${range.min}-${range.max} holds no even/odd port pair`);
    }
    this.first = first;
    this.pairs = pairs;
  }

  /** Reserve the next free even port (its odd neighbour is reserved with it), or `undefined` when exhausted. */
  allocate(): number | undefined {
    for (let i = 0; i < this.pairs; i++) {
      const index = (this.next + i) % this.pairs;
      const port = this.first + index * 2;
      if (!this.inUse.has(port)) {
        this.inUse.add(port);
        this.next = (index + 1) % this.pairs;
        return port;
      }
    }
    return undefined;
  }

  /** Return a port pair. Releasing a port that is not allocated is a no-op (close() is idempotent). */
  release(port: number): void {
    this.inUse.delete(port);
  }

  isAllocated(port: number): boolean {
    return this.inUse.has(port);
  }

  get allocatedCount(): number {
    return this.inUse.size;
  }

  get capacity(): number {
    return this.pairs;
  }
}
