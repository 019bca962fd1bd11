const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Parses a JSON array as it streams in: each network chunk's complete elements go through one
 * `JSON.parse`, so a large answer never has to fit in a single string (V8 caps strings near 512 MiB).
 * It only tracks nesting and strings to find the top-level commas; the values are parsed by V8.
 */
export class JsonArrayStream {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private opened = false;
  private closed = false;
  /** Bytes of elements not yet complete, carried to the next chunk. */
  private carry: Buffer[] = [];

  constructor(private readonly onElements: (elements: unknown[]) => void) {}

  write(chunk: Buffer): void {
    let start = 0;
    let boundary = -1;
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        continue;
      }
      switch (byte) {
        case QUOTE:
          this.inString = true;
          break;
        case OPEN_BRACKET:
        case OPEN_BRACE:
          if (this.depth === 0) {
            if (byte !== OPEN_BRACKET || this.opened) throw new Error('answer is not a JSON array');
            this.opened = true;
            this.carry = [];
            start = index + 1;
          }
          this.depth++;
          break;
        case CLOSE_BRACKET:
        case CLOSE_BRACE:
          this.depth--;
          if (this.depth === 0) {
            this.closed = true;
            boundary = index;
          }
          break;
        case COMMA:
          if (this.depth === 1) boundary = index;
          break;
      }
    }
    if (boundary < 0) {
      if (this.opened) this.carry.push(chunk.subarray(start));
      return;
    }
    const text = Buffer.concat([...this.carry, chunk.subarray(start, boundary)]).toString('utf8');
    this.carry = [chunk.subarray(boundary + 1)];
    if (text.trim().length > 0) this.onElements(JSON.parse(`[${text}]`) as unknown[]);
  }

  end(): void {
    if (!this.closed) throw new Error('JSON array ended early');
  }
}
