import { OmegaError } from '@omega/core';
import { negotiateFormat, uploadFormat } from './dataset-output';

describe('format negotiation', () => {
  it('picks by Accept quality, then order', () => {
    expect(negotiateFormat(undefined, undefined)).toBe('json');
    expect(negotiateFormat('*/*', undefined)).toBe('json');
    expect(negotiateFormat('text/csv', undefined)).toBe('csv');
    expect(negotiateFormat('application/json;q=0.5, application/vnd.apache.arrow.stream', undefined)).toBe(
      'arrow',
    );
    expect(negotiateFormat('text/html, */*;q=0.1', undefined)).toBe('json');
    expect(negotiateFormat('image/png', 'csv')).toBe('csv');
  });

  it('answers 406 and 415 for what it cannot speak', () => {
    expect(() => negotiateFormat('image/png', undefined)).toThrow(OmegaError);
    expect(() => uploadFormat('application/xml')).toThrow(/not supported/);
    expect(uploadFormat('text/csv; charset=utf-8')).toBe('csv');
  });
});
