import { Binary } from 'mongodb';

/** One logged metric value. */
export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  /** Epoch milliseconds. */
  time: number;
}

/**
 * Many metric points as one document: names once, then one packed little-endian column per field. A
 * MongoDB-wire server stores a document a few thousand times a second (FerretDB turns each into a
 * PostgreSQL row), so a point per document caps logging far below what a training loop sends; packed
 * blocks of thousands of points make a batch one insert.
 */
export interface MetricBlock {
  /** The distinct names in the block; `k` indexes into it. */
  keys: string[];
  n: number;
  k: Binary;
  v: Binary;
  s: Binary;
  t: Binary;
  /** First and last time (epoch ms), to skip blocks by time without unpacking. */
  t0: number;
  t1: number;
}

/** Points per block: a block stays far below the 16 MB document limit (~26 bytes a point). */
export const BLOCK_POINTS = 20_000;
/** At most this many distinct names per block (`k` is 16-bit). */
const MAX_KEYS = 65_535;

export function packPoints(points: readonly MetricPoint[]): MetricBlock[] {
  const blocks: MetricBlock[] = [];
  for (let start = 0; start < points.length; start += BLOCK_POINTS) {
    blocks.push(packBlock(points.slice(start, start + BLOCK_POINTS)));
  }
  return blocks;
}

function packBlock(points: readonly MetricPoint[]): MetricBlock {
  const n = points.length;
  const keyIndex = new Map<string, number>();
  const k = new Uint16Array(n);
  const v = new Float64Array(n);
  const s = new Float64Array(n);
  const t = new Float64Array(n);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const point = points[i];
    let index = keyIndex.get(point.key);
    if (index === undefined) {
      index = keyIndex.size;
      if (index >= MAX_KEYS) throw new RangeError(`more than ${MAX_KEYS} metric names in one block`);
      keyIndex.set(point.key, index);
    }
    k[i] = index;
    v[i] = point.value;
    s[i] = point.step;
    t[i] = point.time;
    if (point.time < t0) t0 = point.time;
    if (point.time > t1) t1 = point.time;
  }
  return {
    keys: [...keyIndex.keys()],
    n,
    k: bytes(k),
    v: bytes(v),
    s: bytes(s),
    t: bytes(t),
    t0,
    t1,
  };
}

export function unpackBlock(block: MetricBlock): MetricPoint[] {
  const k = view(block.k, Uint16Array, block.n);
  const v = view(block.v, Float64Array, block.n);
  const s = view(block.s, Float64Array, block.n);
  const t = view(block.t, Float64Array, block.n);
  const points: MetricPoint[] = new Array(block.n);
  for (let i = 0; i < block.n; i++) {
    points[i] = { key: block.keys[k[i]], value: v[i], step: s[i], time: t[i] };
  }
  return points;
}

function bytes(array: Uint16Array | Float64Array): Binary {
  return new Binary(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
}

/** Copies into an aligned buffer: the driver's buffer may start at any offset. */
function view<T extends Uint16Array | Float64Array>(
  binary: Binary,
  type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  const raw = binary.buffer;
  const length = n * type.BYTES_PER_ELEMENT;
  if (raw.byteLength < length) throw new RangeError('metric block is shorter than its count');
  const copy = new ArrayBuffer(length);
  new Uint8Array(copy).set(raw.subarray(0, length));
  return new type(copy);
}
