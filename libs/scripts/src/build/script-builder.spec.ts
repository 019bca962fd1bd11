import { validDependencies } from './script-builder';

describe('validDependencies', () => {
  it('accepts registry names with versions and ranges', () => {
    const dependencies = { ms: '^2.1.3', 'lodash.sum': '4.0.2', '@scope/pkg': '>=1 <3', left: 'latest' };
    expect(validDependencies(dependencies)).toEqual(dependencies);
  });

  it.each([
    [{ ms: 'file:../../etc' }, /registry version/],
    [{ ms: 'git+https://example.com/x.git' }, /registry version/],
    [{ ms: 'https://example.com/ms.tgz' }, /registry version/],
    [{ ms: '../ms' }, /registry version/],
    [{ '../evil': '1.0.0' }, /not an npm package name/],
    [{ ms: 2 }, /registry version/],
  ])('refuses %j', (dependencies, message) => {
    expect(() => validDependencies(dependencies as Record<string, unknown>)).toThrow(message);
  });

  it('caps how many there may be', () => {
    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`pkg${i}`, '1.0.0']));
    expect(() => validDependencies(many)).toThrow(/At most 30/);
  });
});
