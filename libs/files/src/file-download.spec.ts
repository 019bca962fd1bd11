import { contentDisposition, FILE_CONTENT_SECURITY_POLICY, fileDownloadHeaders } from './file-download';

describe('fileDownloadHeaders', () => {
  it.each([
    ['image/png', 'image/png'],
    ['IMAGE/JPEG', 'image/jpeg'],
    ['image/gif', 'image/gif'],
    ['image/webp', 'image/webp'],
    ['application/pdf', 'application/pdf'],
    ['text/plain', 'text/plain'],
    ['text/plain; charset=ISO-8859-1', 'text/plain; charset=iso-8859-1'],
    ['Text/CSV;charset="utf-8"', 'text/csv; charset=utf-8'],
    ['application/json', 'application/json'],
  ])('shows %s inline as %s', (stored, served) => {
    const headers = fileDownloadHeaders(stored, 'docs/a.bin');
    expect(headers['Content-Type']).toBe(served);
    expect(headers['Content-Disposition']).toMatch(/^inline; /);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Content-Security-Policy']).toBe(FILE_CONTENT_SECURITY_POLICY);
  });

  it.each([
    ['text/html', 'text/html'],
    ['text/html; charset=utf-8', 'text/html'],
    ['TEXT/HTML', 'text/html'],
    ['image/svg+xml', 'image/svg+xml'],
    ['application/xhtml+xml', 'application/xhtml+xml'],
    ['application/x-model', 'application/x-model'],
    // a list of types, or a type with junk: nothing a browser could take for an inline-safe one
    ['image/png, text/html', 'application/octet-stream'],
    ['text/plain\u000bx', 'application/octet-stream'],
    ['', 'application/octet-stream'],
    [undefined, 'application/octet-stream'],
    // never served as something a page of this origin could run or apply
    ['application/javascript', 'application/octet-stream'],
    ['Text/JavaScript; charset=utf-8', 'application/octet-stream'],
    ['text/css', 'application/octet-stream'],
    ['application/wasm', 'application/octet-stream'],
  ])('serves %s as an attachment of type %s', (stored, served) => {
    const headers = fileDownloadHeaders(stored, 'page.html');
    expect(headers['Content-Type']).toBe(served);
    expect(headers['Content-Disposition']).toMatch(/^attachment; /);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Content-Security-Policy']).toBe("sandbox; default-src 'none'");
  });

  it('keeps a charset only on text types, and only a plain one', () => {
    expect(fileDownloadHeaders('image/png; charset=utf-8', 'a.png')['Content-Type']).toBe('image/png');
    expect(fileDownloadHeaders('text/plain; charset=<b>x</b>', 'a.txt')['Content-Type']).toBe('text/plain');
    expect(fileDownloadHeaders('text/csv; x=1; charset=latin1', 'a.csv')['Content-Type']).toBe(
      'text/csv; charset=latin1',
    );
  });
});

describe('contentDisposition', () => {
  it('names the last segment of the object, percent-encoded, with an ASCII fallback', () => {
    expect(contentDisposition('attachment', 'reports/2026/q1.csv')).toBe(
      `attachment; filename="q1.csv"; filename*=UTF-8''q1.csv`,
    );
    expect(contentDisposition('attachment', 'Grüße (final).txt')).toBe(
      `attachment; filename="Gr__e _final_.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%28final%29.txt`,
    );
  });

  it('lets no quote, semicolon, line break or lone surrogate end the header or add a parameter', () => {
    const header = contentDisposition('attachment', "a\";\r\n b='c'\ud800.html");
    expect(header).toBe(
      `attachment; filename="a____ b__c__.html"; filename*=UTF-8''a%22%3B%0D%0A%20b%3D%27c%27%EF%BF%BD.html`,
    );
    expect(header.match(/;/g)).toHaveLength(2);
  });
});
