import { OmegaError } from '@omega/core';
import { validRange } from 'semver';

const MAX_DEPENDENCIES = 30;
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]{0,213}$/;
/**
 * The characters a semver range may hold. semver's own parser decides what is a range; this only keeps
 * out anything npm could read as another kind of spec (`git+file:`, `file:`, `npm:`, URLs, `user/repo`).
 */
const RANGE_CHARACTERS = /^[0-9A-Za-z.^~<>=|* +-]{1,64}$/;
const ALLOWED = 'a semver version or range from the registry, e.g. "^2.1.3", "1.x" or "latest"';

/**
 * Script dependencies are registry packages at semver ranges, nothing else: every other kind of npm spec
 * (git, file, link, tarball, URL, alias, path) makes npm run git or read the server's disk or the network
 * on the user's say. `latest` (what a bare name means in the upload form) is kept as `*`, which npm
 * resolves to the registry's latest release.
 */
export function validDependencies(dependencies: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(dependencies);
  if (entries.length > MAX_DEPENDENCIES)
    throw OmegaError.invalidInput(`At most ${MAX_DEPENDENCIES} dependencies`);
  const valid: Record<string, string> = {};
  for (const [name, spec] of entries) {
    if (!PACKAGE_NAME.test(name))
      throw OmegaError.invalidInput(`Dependency ${JSON.stringify(name)} is not an npm package name`);
    const range = spec === 'latest' ? '*' : spec;
    if (typeof range !== 'string' || !RANGE_CHARACTERS.test(range) || validRange(range) === null) {
      throw OmegaError.invalidInput(
        `Dependency ${name}: ${JSON.stringify(spec)} is not allowed; give ${ALLOWED} ` +
          '(git, file, link, tarball, URL, alias and path dependencies are refused)',
      );
    }
    valid[name] = range;
  }
  return valid;
}
