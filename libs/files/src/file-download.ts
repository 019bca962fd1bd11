/**
 * How a stored file is answered to a browser. Files are whatever a tenant member uploaded, served from
 * the API's (and the console's) origin: an HTML page or a script among them must never run there. So
 * every download is sandboxed and never sniffed, and only a few types that browsers render without
 * running anything are shown inline; everything else is an attachment.
 */

/** No scripts, plugins, forms or same-origin rights, nothing loaded: for the file and for any error. */
export const FILE_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'";

/** Shown inline: images browsers only decode (SVG can hold script, so it is not here), PDF, plain data. */
const INLINE_SAFE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/json',
]);

/** Text types that keep the charset they were stored with, so the browser decodes them as uploaded. */
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'application/json']);

/**
 * Types a browser would run or apply when another page of this origin loads the file as a subresource
 * (`<script src>`, a worker, a stylesheet): nosniff only blocks a script or stylesheet served with some
 * other type, so these are never served as themselves. The JavaScript types are the WHATWG list.
 */
const ACTIVE_TYPES = new Set([
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
  'text/css',
  'application/wasm',
]);

const OPAQUE_TYPE = 'application/octet-stream';
/** `type/subtype` made of RFC 9110 token characters, nothing else (parameters are dropped). */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const CHARSET = /;\s*charset\s*=\s*"?([a-z0-9][a-z0-9._:-]{0,39})"?\s*(?:;|$)/i;
/** RFC 8187 attr-char: what may stand unencoded in `filename*`. */
const ATTR_CHAR = /^[A-Za-z0-9!#$&+.^_`|~-]$/;

export interface FileDownloadHeaders {
  'Content-Type': string;
  'Content-Disposition': string;
  'X-Content-Type-Options': 'nosniff';
  'Content-Security-Policy': string;
}

/**
 * The headers of a file download, from the type the uploader declared (trusted only to pick one of the
 * inline-safe types, compared exactly on its lowercased essence) and the file's name.
 */
export function fileDownloadHeaders(storedType: string | undefined, name: string): FileDownloadHeaders {
  const declared = (storedType ?? '').toLowerCase();
  const essence = declared.split(';')[0].trim();
  const inline = INLINE_SAFE_TYPES.has(essence);
  let contentType: string;
  if (inline) {
    const charset = TEXT_TYPES.has(essence) ? CHARSET.exec(declared)?.[1] : undefined;
    contentType = charset ? `${essence}; charset=${charset}` : essence;
  } else {
    contentType = MEDIA_TYPE.test(essence) && !ACTIVE_TYPES.has(essence) ? essence : OPAQUE_TYPE;
  }
  return {
    'Content-Type': contentType,
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', name),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': FILE_CONTENT_SECURITY_POLICY,
  };
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266): the last
 * segment of the object's name, encoded byte by byte so no quote, semicolon, line break or lone surrogate
 * can end the header or add a parameter.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', name: string): string {
  const base = name.split('/').filter(Boolean).pop() ?? 'file';
  const fallback = base.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 200) || 'file';
  let encoded = '';
  for (const byte of Buffer.from(base, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded +=
      byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
