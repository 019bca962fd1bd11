/**
 * Just enough of the protobuf wire format to walk an ONNX file: onnxruntime does not expose the
 * producer, opsets or class labels, and a protobuf library plus the ONNX schema would be a large
 * dependency for a few fields. Length-delimited fields are returned as views, never copied, so large
 * initializers are skipped at no cost.
 */
export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

export class ProtoReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  hasMore(): boolean {
    return this.pos < this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wireType: key % 8 };
  }

  /** A varint as a number; int64 values beyond 2^53 lose precision, which no field read here has. */
  varint(): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      if (this.pos - start >= 10) throw new Error('malformed varint');
      scale *= 128;
    }
    // Up to 7 bytes (49 bits) the sum above is exact; longer ones are negative int64s in two's
    // complement (e.g. class label -1), decoded exactly through BigInt.
    if (this.pos - start <= 7) return value;
    let big = 0n;
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt(this.buf[i] & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A length-delimited field as a reader over its bytes. */
  message(): ProtoReader {
    const length = this.varint();
    const start = this.pos;
    this.advance(length);
    return new ProtoReader(this.buf, start, start + length);
  }

  string(): string {
    const length = this.varint();
    const start = this.pos;
    this.advance(length);
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + start, length).toString('utf8');
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.advance(8);
        return;
      case WireType.LengthDelimited:
        this.advance(this.varint());
        return;
      case WireType.Fixed32:
        this.advance(4);
        return;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.end) throw new Error('truncated message');
    return this.buf[this.pos++];
  }

  private advance(length: number): void {
    if (length < 0 || this.pos + length > this.end) throw new Error('truncated message');
    this.pos += length;
  }
}
