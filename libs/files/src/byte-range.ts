import { OmegaError, OmegaErrorCode } from '@omega/core';

/**
 * One `bytes=` range of an HTTP Range header, resolved against the file size (inclusive ends).
 * Multiple ranges are answered with the whole file, as RFC 9110 allows.
 */
export function parseByteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) {
    if (/^bytes=.*,/.test(header)) return undefined;
    throw new OmegaError(
      OmegaErrorCode.RangeNotSatisfiable,
      `Range ${JSON.stringify(header.slice(0, 60))} is not a byte range`,
    );
  }
  const [, from, to] = match;
  let start: number;
  let end: number;
  if (from === '' && to === '') throw new OmegaError(OmegaErrorCode.RangeNotSatisfiable, 'Empty byte range');
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) {
    throw new OmegaError(
      OmegaErrorCode.RangeNotSatisfiable,
      `Range ${header} is outside the file's ${size} bytes`,
    );
  }
  return { start, end };
}
