import { ProtoReader, WireType } from './proto-reader';

describe('ProtoReader', () => {
  const read = (...bytes: number[]) => new ProtoReader(Uint8Array.from(bytes));

  it('reads one- and multi-byte varints', () => {
    expect(read(0x08).varint()).toBe(8);
    expect(read(0xac, 0x02).varint()).toBe(300);
  });

  it('reads a negative int64 (ten bytes, two’s complement) exactly', () => {
    // -1 as a class label, the way a binary classifier on {-1, 1} stores it.
    expect(read(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).varint()).toBe(-1);
  });

  it('reads a tag, a string and skips what it does not need', () => {
    // field 2 (string "ab"), field 5 (fixed32), field 1 (varint 7)
    const reader = read(0x12, 0x02, 0x61, 0x62, 0x2d, 1, 2, 3, 4, 0x08, 0x07);
    expect(reader.tag()).toEqual({ field: 2, wireType: WireType.LengthDelimited });
    expect(reader.string()).toBe('ab');
    reader.skip(reader.tag().wireType);
    expect(reader.tag()).toEqual({ field: 1, wireType: WireType.Varint });
    expect(reader.varint()).toBe(7);
    expect(reader.hasMore()).toBe(false);
  });

  it('fails on a length beyond the message', () => {
    expect(() => read(0x0a, 0x05, 0x61).message()).toThrow('truncated message');
  });
});
