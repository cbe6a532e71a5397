/**
 * A buffer that outgoing datagrams are written into and sent from, reused from one datagram to the next.
 *
 * Node's `send` hands the bytes to the kernel within the call when `uv_udp_try_send` succeeds (a connected socket,
 * or an IP literal that `literalFirstLookup` resolves synchronously). Otherwise it reads them later: libuv queued the
 * datagram (the kernel's send buffer was full, or earlier datagrams of that socket are still queued), which
 * `getSendQueueCount()` > 0 tells right after the call, or the destination is a name that is looked up first. The
 * sender then `release()`s the buffer to that send and writes the next datagram into a new one.
 */
export class SendBuffer {
  private buffer: Buffer;
  /** A view of the buffer's first `view.length` bytes: the datagram most recently sent, usually the same size again. */
  private view: Buffer;

  constructor(readonly size: number) {
    this.buffer = Buffer.alloc(size);
    this.view = this.buffer.subarray(0, 0);
  }

  /** Where to write the next datagram (`size` bytes). */
  get bytes(): Buffer {
    return this.buffer;
  }

  /** The first `length` bytes of `bytes`, to hand to `send`; no allocation while the length repeats. */
  datagram(length: number): Buffer {
    let view = this.view;
    if (view.length !== length) {
      view = this.buffer.subarray(0, length);
      this.view = view;
    }
    return view;
  }

  /** A send still holds the buffer: leave it to that send and write the next datagram into a new one. */
  release(): void {
    this.buffer = Buffer.alloc(this.size);
    this.view = this.buffer.subarray(0, 0);
  }
}
