/**
 * Bencode (the BitTorrent encoding, BEP 3), as rtpengine's ng control protocol carries it: integers `i42e`, byte
 * strings `4:spam`, lists `l…e`, dictionaries `d…e` with keys sorted. Just enough for the benchmark's offer / answer /
 * delete commands; strings decode as UTF-8 text.
 */
export type Bencoded = number | string | Bencoded[] | { [key: string]: Bencoded };

export function bencode(value: Bencoded): string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new RangeError(`bencode integers only, got ${value}`);
    return `i${value}e`;
  }
  if (typeof value === 'string') return `${Buffer.byteLength(value)}:${value}`;
  if (Array.isArray(value)) return `l${value.map(bencode).join('')}e`;
  const keys = Object.keys(value).sort();
  return `d${keys.map((k) => bencode(k) + bencode(value[k])).join('')}e`;
}

/** Decode one bencoded value from `buf` at `at`; throws a RangeError on malformed input. */
export function bdecode(buf: Buffer, at = 0): { value: Bencoded; end: number } {
  const c = buf[at];
  if (c === 0x69 /* i */) {
    const e = buf.indexOf(0x65, at);
    if (e < 0) throw new RangeError('bencode: unterminated integer');
    return { value: Number(buf.toString('latin1', at + 1, e)), end: e + 1 };
  }
  if (c === 0x6c /* l */) {
    const list: Bencoded[] = [];
    let p = at + 1;
    while (buf[p] !== 0x65) {
      if (p >= buf.length) throw new RangeError('bencode: unterminated list');
      const item = bdecode(buf, p);
      list.push(item.value);
      p = item.end;
    }
    return { value: list, end: p + 1 };
  }
  if (c === 0x64 /* d */) {
    const dict: { [key: string]: Bencoded } = {};
    let p = at + 1;
    while (buf[p] !== 0x65) {
      if (p >= buf.length) throw new RangeError('bencode: unterminated dictionary');
      const key = bdecode(buf, p);
      if (typeof key.value !== 'string') throw new RangeError('bencode: dictionary key is not a string');
      const item = bdecode(buf, key.end);
      dict[key.value] = item.value;
      p = item.end;
    }
    return { value: dict, end: p + 1 };
  }
  if (c >= 0x30 && c <= 0x39) {
    const colon = buf.indexOf(0x3a, at);
    if (colon < 0) throw new RangeError('bencode: string without length separator');
    const length = Number(buf.toString('latin1', at, colon));
    const end = colon + 1 + length;
    if (end > buf.length) throw new RangeError('bencode: string runs past the end');
    return { value: buf.toString('utf8', colon + 1, end), end };
  }
  throw new RangeError(`bencode: unexpected byte 0x${(c ?? 0).toString(16)} at ${at}`);
}
