import type { IncomingMessage } from "node:http";
import type { RecordedRequest } from "./types.js";

/** Keeps the newest /api requests for tests to inspect. */
export class RequestRecorder {
  private list: RecordedRequest[] = [];

  constructor(private readonly limit: number) {}

  get requests(): readonly RecordedRequest[] {
    return this.list;
  }

  // A new array rather than emptying the old one, so a list a test kept from before stays as it was.
  clear(): void {
    this.list = [];
  }

  record(req: IncomingMessage, pathname: string, search: string, rawBody: string): void {
    let json: unknown;
    if (rawBody !== "") {
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
    }
    this.list.push({
      method: req.method ?? "GET",
      path: pathname,
      search,
      query: Object.fromEntries(new URLSearchParams(search)),
      headers: { ...req.headers },
      rawBody,
      json,
      at: Date.now(),
    });
    if (this.list.length > this.limit) this.list.splice(0, this.list.length - this.limit);
  }
}
