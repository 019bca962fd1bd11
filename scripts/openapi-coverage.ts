const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'] as const;

interface OperationLike {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/**
 * The routes (`GET /api/v1/…`) whose success answers the document does not describe: no 2xx response
 * with a schema, no declared 204 and no redirect: a 204 and a console form's 303 have no body to describe.
 * Each is a place where the SDK and the other clients still copy the server's shape by hand; the list
 * shrinks as controllers declare their response DTOs.
 */
export function routesWithoutResponseSchema(document: Record<string, unknown>): string[] {
  const paths = (document.paths ?? {}) as Record<
    string,
    Partial<Record<(typeof METHODS)[number], OperationLike>>
  >;
  const missing: string[] = [];
  for (const [path, operations] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = operations[method];
      if (!operation) continue;
      const described = Object.entries(operation.responses ?? {}).some(
        ([status, response]) =>
          status === '204' ||
          status.startsWith('3') ||
          (status.startsWith('2') && Object.values(response.content ?? {}).some((media) => media.schema)),
      );
      if (!described) missing.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return missing;
}

/** How many operations the document holds. */
export function operationCount(document: Record<string, unknown>): number {
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(paths).reduce(
    (count, operations) => count + METHODS.filter((method) => operations[method]).length,
    0,
  );
}
