import { OmegaError } from '@omega/core';
import { MAX_JSON_DEPTH } from '@omega/datasets';
import type { NextFunction, Request, Response } from 'express';

/**
 * Refuses JSON nested deeper than MAX_JSON_DEPTH, in the parsed body and in any query parameter holding
 * JSON (`filter`, `dtypes`, `sqlvars`, …), before a route or its validation sees it: class-transformer,
 * class-validator and MongoDB all recurse, and 10,000 levels overflow their stacks (a 500). One cap, as
 * deep as a stored JSON document may be.
 */
export function refuseDeepJson(req: Request, _res: Response, next: NextFunction): void {
  try {
    assertJsonDepth(req.body, 'The request body');
    for (const [name, value] of Object.entries(req.query ?? {})) {
      for (const text of Array.isArray(value) ? value : [value]) {
        if (typeof text === 'string') assertJsonTextDepth(text, `Query parameter ${name}`);
      }
    }
    next();
  } catch (error) {
    next(error);
  }
}

/** Throws a 400 when a parsed value nests deeper than the cap. Walks without recursion. */
export function assertJsonDepth(value: unknown, what: string): void {
  if (value === null || typeof value !== 'object') return;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (depth > MAX_JSON_DEPTH) throw tooDeep(what);
    for (const child of Object.values(item as object)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
}

/**
 * The same cap on JSON text not yet parsed (a query parameter): brackets outside strings are counted, so
 * nothing deep is ever built. Text that is not JSON is left to the route, which reports it in its terms.
 */
function assertJsonTextDepth(text: string, what: string): void {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (++depth > MAX_JSON_DEPTH) throw tooDeep(what);
    } else if (char === '}' || char === ']') depth--;
  }
}

function tooDeep(what: string): OmegaError {
  return OmegaError.invalidInput(`${what} holds JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
}
