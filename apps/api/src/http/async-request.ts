/** omega-ml clients ask for an async answer with the request header `async: true` as well as `?async=true`. */
export function asyncRequested(header: string | undefined): boolean {
  return header !== undefined && ['true', '1'].includes(header.trim().toLowerCase());
}
