/**
 * How an import file is written: its delimiter (Excel saves ";" in locales whose decimal mark is a
 * comma, Turkish among them; some ERPs export tabs) and its text, which must be UTF-8.
 */
import { Transform, type TransformCallback } from "node:stream";

export const DELIMITERS = [",", ";", "\t"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * The delimiter of a file whose first line is `header`: the one that splits it into a header naming
 * `package_id`; failing that, the most frequent one, so that the header check names what it found.
 */
export function detectDelimiter(header: string): Delimiter {
  const names = (d: Delimiter) =>
    header.split(d).map((cell) => cell.trim().replace(/^"|"$/g, "").toLowerCase());
  const naming = DELIMITERS.filter((d) => names(d).includes("package_id"));
  if (naming.length === 1) return naming[0] as Delimiter;
  const count = (d: Delimiter) => header.split(d).length;
  return [...DELIMITERS].sort((a, b) => count(b) - count(a))[0] as Delimiter;
}

/** The first line of `bytes` (the start of a file), without a byte order mark. */
export function firstLine(bytes: Uint8Array): string {
  const text = new TextDecoder("utf-8").decode(bytes);
  const line = text.split(/\r\n|\r|\n/, 1)[0] ?? "";
  return line.startsWith("\uFEFF") ? line.slice(1) : line;
}

/** The text is not UTF-8. */
export class EncodingError extends Error {
  override name = "EncodingError";
}

/**
 * Decodes UTF-8 strictly and turns CRLF and CR line ends into LF, so that the CSV parser counts
 * lines the same way whatever saved the file. (A line break inside a quoted field becomes LF too;
 * such a value is refused by the gateway anyway.)
 */
export class Utf8Lines extends Transform {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private pendingCr = false;

  constructor() {
    super({ decodeStrings: true, readableObjectMode: false });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.convert(chunk, true, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.convert(new Uint8Array(0), false, callback);
  }

  private convert(bytes: Uint8Array, stream: boolean, callback: TransformCallback): void {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream });
    } catch {
      callback(new EncodingError("not UTF-8"));
      return;
    }
    if (this.pendingCr) text = `\r${text}`;
    // A CR at the very end may be the first half of a CRLF split across two reads.
    this.pendingCr = stream && text.endsWith("\r");
    if (this.pendingCr) text = text.slice(0, -1);
    callback(null, text.replace(/\r\n?/g, "\n"));
  }
}
