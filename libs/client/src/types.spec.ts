import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operationCount, routesWithoutResponseSchema } from '../../../scripts/openapi-coverage';
import type { components } from './generated/openapi';
import type { BatchPredictSummary } from './runtime';
import type { AnswerIn } from './types';

/**
 * Routes whose success answer the checked-in OpenAPI document does not describe: none of 156 operations on
 * 2026-12-07 (from 110 of 146 that morning). A new route without a response schema (a 2xx with a content
 * schema, a 204, or a redirect) makes this test fail. (That the document and its generated types are
 * today's is the drift test in generated/.)
 */
const MOST_ROUTES_WITHOUT_RESPONSE_SCHEMA = 0;

describe("the SDK's types and the answers the OpenAPI document describes", () => {
  const document = JSON.parse(readFileSync(join(__dirname, 'generated', 'openapi.json'), 'utf8')) as Record<
    string,
    unknown
  >;

  it('counts the routes without a response schema, and never more than before', () => {
    const undescribed = routesWithoutResponseSchema(document);
    const total = operationCount(document);
    process.stdout.write(`${undescribed.length} of ${total} routes have no response schema\n`);
    expect(total).toBeGreaterThan(20);
    if (undescribed.length > MOST_ROUTES_WITHOUT_RESPONSE_SCHEMA) {
      throw new Error(
        `${undescribed.length} routes answer without a response schema, more than the ` +
          `${MOST_ROUTES_WITHOUT_RESPONSE_SCHEMA} allowed: declare the new routes' answers ` +
          `(@ApiOkResponse with a DTO), then run \`npm run openapi\`. Undescribed:\n${undescribed.join('\n')}`,
      );
    }
    expect(undescribed.length).toBeLessThanOrEqual(MOST_ROUTES_WITHOUT_RESPONSE_SCHEMA);
  });

  it('tells a described answer from an undescribed one', () => {
    const described = {
      paths: {
        '/a': {
          get: { responses: { '200': { content: { 'application/json': { schema: { type: 'object' } } } } } },
        },
        '/b': { post: { responses: { '201': { description: '' } } }, delete: { responses: {} } },
        '/c': { post: { responses: { '303': { description: 'Redirects to /a' } } } },
        '/d': { delete: { responses: { '204': { description: 'Dropped' } } } },
      },
    };
    expect(routesWithoutResponseSchema(described)).toEqual(['POST /b', 'DELETE /b']);
    expect(operationCount(described)).toBe(5);
  });
});

/** Compiles only when `A` and `B` are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(verdict: Same<A, B>): Same<A, B> => verdict;

/** An openapi-typescript `paths` of two routes: one with its answer described, one without. */
interface TwoRoutes {
  '/described': {
    get: {
      responses: {
        200: { headers: Record<string, unknown>; content: { 'application/json': { id: string } } };
      };
    };
  };
  '/undescribed': {
    get: { responses: { 200: { headers: Record<string, unknown>; content?: never } } };
    post?: never;
  };
}

describe('AnswerOf: the generated answer where the document has one, the hand-written shape elsewhere', () => {
  it('picks by route and method', () => {
    // The checks are in the types: each line compiles only with the verdict written (ts-jest type-checks).
    expect(same<AnswerIn<TwoRoutes, '/described', 'get', { old: number }>, { id: string }>(true)).toBe(true);
    expect(same<AnswerIn<TwoRoutes, '/undescribed', 'get', { old: number }>, { old: number }>(true)).toBe(
      true,
    );
    expect(same<AnswerIn<TwoRoutes, '/undescribed', 'post', { old: number }>, { old: number }>(true)).toBe(
      true,
    );
    expect(same<AnswerIn<TwoRoutes, '/described', 'get', { old: number }>, { old: number }>(false)).toBe(
      false,
    );
  });
});

describe('shapes the SDK takes from the document rather than declaring them again', () => {
  const schemas = (
    JSON.parse(readFileSync(join(__dirname, 'generated', 'openapi.json'), 'utf8')) as {
      components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
    }
  ).components.schemas;

  it("a batch prediction's summary is the API's BatchPredictSummaryDto, a model action's result may be one", () => {
    expect(same<BatchPredictSummary, components['schemas']['BatchPredictSummaryDto']>(true)).toBe(true);
    expect(
      same<
        BatchPredictSummary,
        { model: string; dataset: string; rows: number; batches: number; columns: string[] }
      >(true),
    ).toBe(true);
    // anyOf, since a summary also matches the generic object beside it (a oneOf would refuse it).
    const result = schemas.ModelActionAnswerDto.properties?.result ?? {};
    expect(result.oneOf).toBeUndefined();
    expect(result.anyOf).toContainEqual({ $ref: '#/components/schemas/BatchPredictSummaryDto' });
  });
});
