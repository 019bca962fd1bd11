import { OmegaError } from '../errors/omega-error';
import { assertSafeAttributes } from './attributes';

describe('assertSafeAttributes', () => {
  it('accepts plain nested attributes', () => {
    expect(() =>
      assertSafeAttributes({ owner: 'team-a', tags: ['x', 'y'], meta: { level: 1 } }),
    ).not.toThrow();
  });

  it.each([
    ['a NUL in a value', { note: 'a\u0000b' }],
    ['a NUL in a list item', { tags: ['ok', 'b\u0000'] }],
    ['a NUL in a nested value', { meta: { inner: '\u0000' } }],
    ['a $-operator key', { $where: 'x' }],
    ['a dotted key', { 'a.b': 1 }],
    ['a control character in a key', { 'a\u0001': 1 }],
    ['an infinite number', { score: Infinity }],
  ])('refuses %s with a 400', (_what, attributes) => {
    expect(() => assertSafeAttributes(attributes)).toThrow(OmegaError);
  });

  it('refuses nesting past its cap without walking the rest', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 10_000; level++) deep = { next: deep };
    expect(() => assertSafeAttributes(deep)).toThrow(/deeper than 8 levels/);
  });
});
