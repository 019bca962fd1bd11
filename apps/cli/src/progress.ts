import { Transform } from 'node:stream';
import { humanBytes } from './output';

/**
 * Bytes moved, with a bar, bytes/s and ETA on a terminal (stderr), redrawn at most ten times a second; on
 * anything else one plain line when done. `total` in bytes, when known, gives the bar and the ETA.
 */
export class Progress {
  readonly #tty = Boolean(process.stderr.isTTY);
  readonly #started = Date.now();
  #bytes = 0;
  #drawn = 0;
  #fraction?: number;

  constructor(
    private readonly label: string,
    private readonly total?: number,
  ) {}

  /** A pass-through stream that counts what flows through it. */
  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.add(chunk.length);
        done(null, chunk);
      },
    });
  }

  /** `fraction` (0–1) when progress is counted in something other than bytes (rows, say). */
  add(bytes: number, fraction?: number): void {
    this.#bytes += bytes;
    if (fraction !== undefined) this.#fraction = fraction;
    if (this.#tty && Date.now() - this.#drawn >= 100) this.draw(false);
  }

  get bytes(): number {
    return this.#bytes;
  }

  done(): void {
    if (this.#tty) this.draw(true);
    else process.stderr.write(`${this.label}: ${this.line(true)}\n`);
  }

  private draw(final: boolean): void {
    this.#drawn = Date.now();
    const fraction = this.fraction(final);
    const width = 24;
    const bar =
      fraction === undefined
        ? ''
        : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}] ${Math.floor(fraction * 100)
            .toString()
            .padStart(3)}% `;
    process.stderr.write(`\r\x1b[2K${this.label} ${bar}${this.line(final)}${final ? '\n' : ''}`);
  }

  private fraction(final: boolean): number | undefined {
    if (final) return this.total !== undefined || this.#fraction !== undefined ? 1 : undefined;
    if (this.#fraction !== undefined) return Math.min(1, this.#fraction);
    if (this.total) return Math.min(1, this.#bytes / this.total);
    return undefined;
  }

  private line(final: boolean): string {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const rate = this.#bytes / seconds;
    const size = this.total !== undefined && !final ? `/${humanBytes(this.total)}` : '';
    const fraction = this.fraction(final);
    const eta =
      final || fraction === undefined || fraction === 0
        ? `in ${seconds.toFixed(1)} s`
        : `ETA ${Math.max(0, (seconds / fraction) * (1 - fraction)).toFixed(0)} s`;
    return `${humanBytes(this.#bytes)}${size} ${humanBytes(rate)}/s ${eta}`;
  }
}
