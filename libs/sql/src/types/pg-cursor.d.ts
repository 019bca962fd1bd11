/** pg-cursor 2.x ships without types; only what the PostgreSQL row driver uses. */
declare module 'pg-cursor' {
  export interface CursorField {
    name: string;
    dataTypeID: number;
  }

  export interface CursorResult {
    fields: CursorField[];
  }

  export interface CursorConfig {
    types?: { getTypeParser(oid: number, format?: string): (text: string) => unknown };
  }

  export default class Cursor {
    constructor(text: string, values?: unknown[], config?: CursorConfig);
    read(
      rows: number,
      callback: (error: Error | undefined, rows: Record<string, unknown>[], result: CursorResult) => void,
    ): void;
    close(callback: (error?: Error) => void): void;
  }
}
