import { OmegaError } from '../errors/omega-error';
import { assertValidName, globToRegExp, nameProblem } from './object-names';

describe('object names', () => {
  it.each(['sales', 'sales/2024', 'a-b_c.d', 'iris.csv', '_private'])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  it.each([
    ['$x', 'must not start with $'],
    ['a..b', 'must not contain ..'],
    ['a\u0001b', 'control characters'],
    ['x'.repeat(1024), 'at most'],
    ['', 'non-empty'],
    ['/abs', 'may only use'],
    ['a//b', 'may only use'],
    ['a b', 'may only use'],
  ])('rejects %j', (name, problem) => {
    expect(nameProblem(name)).toContain(problem);
    expect(() => assertValidName(name)).toThrow(OmegaError);
  });

  it('turns globs into anchored patterns that treat regex characters literally', () => {
    expect(globToRegExp('sales/*').test('sales/2024')).toBe(true);
    expect(globToRegExp('sales/*').test('xsales/2024')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('m?').test('m1')).toBe(true);
  });
});
