import { validDependencies } from './dependencies';

describe('validDependencies', () => {
  it('accepts registry names with semver versions and ranges', () => {
    const dependencies = { ms: '^2.1.3', 'lodash.sum': '4.0.2', '@scope/pkg': '>=1 <3', any: '1.x' };
    expect(validDependencies(dependencies)).toEqual(dependencies);
  });

  it('keeps a bare name (latest) as the registry range *', () => {
    expect(validDependencies({ ms: 'latest' })).toEqual({ ms: '*' });
  });

  it.each([
    ['git+file:///tmp/evil.git'],
    ['git+https://example.com/x.git'],
    ['git://example.com/x.git'],
    ['file:../../etc'],
    ['link:../ms'],
    ['https://example.com/ms.tgz'],
    ['http://127.0.0.1:1/ms.tgz'],
    ['user/repo'],
    ['github:user/repo'],
    ['npm:ms@2'],
    ['../ms'],
    ['/etc/passwd'],
    ['next'],
    ['1.0.0\n'],
    [''],
  ])('refuses %j, naming the dependency and what is allowed', (spec) => {
    expect(() => validDependencies({ ms: spec })).toThrow(
      /^Dependency ms: .* is not allowed; give a semver version or range from the registry/,
    );
  });

  it.each([[{ '../evil': '1.0.0' }], [{ ms: 2 }], [{ ms: null }]])('refuses %j', (dependencies) => {
    expect(() => validDependencies(dependencies as Record<string, unknown>)).toThrow(
      /not an npm package name|is not allowed/,
    );
  });

  it('caps how many there may be', () => {
    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`pkg${i}`, '1.0.0']));
    expect(() => validDependencies(many)).toThrow(/At most 30/);
  });
});
