import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument, documentDigest } from '../../../../scripts/openapi-document';

/**
 * The SDK's types are generated from the API's OpenAPI document. If a controller or DTO changes and
 * `npm run openapi` was not run, the checked-in document (and with it the SDK) no longer describes the
 * API: this test fails and says what to run.
 */
describe('the SDK against the API it calls', () => {
  const checkedIn = JSON.parse(readFileSync(join(__dirname, 'openapi.json'), 'utf8')) as Record<
    string,
    unknown
  >;

  it('holds the OpenAPI document the API serves today (else run `npm run openapi`)', async () => {
    const served = await buildOpenApiDocument();
    expect(Object.keys(served.paths as object).length).toBeGreaterThan(20);
    expect(checkedIn).toEqual(served);
  });

  it('has TypeScript types generated from that very document (else run `npm run openapi`)', () => {
    const types = readFileSync(join(__dirname, 'openapi.ts'), 'utf8');
    const digest = /openapi\.json sha256: ([0-9a-f]{64})/.exec(types)?.[1];
    expect(digest).toBe(documentDigest(checkedIn));
    for (const route of Object.keys(checkedIn.paths as object)) expect(types).toContain(`'${route}'`);
  });
});
