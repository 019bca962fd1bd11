import { OmegaError } from '@omega/core';

/**
 * The object named by omega-ml's `POST /api/v1/{script|job}/<path>/run`, whose name may hold raw `/`:
 * the segments before `run`. Any other path is not a route.
 */
export function runTarget(path: string[] | string, what: 'script' | 'job'): string {
  const segments = pathSegments(path);
  if (segments.length < 2 || segments[segments.length - 1] !== 'run') {
    throw OmegaError.notFound(`route POST /api/v1/${what}/${segments.join('/')}`);
  }
  return segments.slice(0, -1).join('/');
}

/** The segments of a wildcard route's path, without the empty one a trailing `/` leaves. */
export function pathSegments(path: string[] | string): string[] {
  return (Array.isArray(path) ? path : path.split('/')).filter(
    (segment, index, all) => segment !== '' || index < all.length - 1,
  );
}
