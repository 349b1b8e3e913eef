/**
 * What one request did, for its log line and the request metrics: the one owner of those facts.
 * Each step of the request reports what it knows through a method; the rules for which report wins
 * live here, not at the places that report.
 */
import type { OmsCallRecord } from "../domain/ports.js";

export class RequestStats {
  private operationName: string | null = null;
  private type: string | null = null;
  private result: string | null = null;
  private readonly calls: OmsCallRecord[] = [];

  /** The operation's name as the client gave it, else its type ("mutation"); null before Apollo resolved it. */
  get operation(): string | null {
    return this.operationName;
  }

  /**
   * The operation's type and root fields, e.g. "mutation updatePackageShipment": a metrics label
   * bounded by the schema, unlike the operation names that clients choose.
   */
  get operationType(): string | null {
    return this.type;
  }

  /** The business outcome of a mutation (union member, bulk summary), or the error code of a failed request. */
  get outcome(): string | null {
    return this.result;
  }

  /** The request's OMS calls, as the adapter reported them: logged as they are. */
  get omsCalls(): readonly OmsCallRecord[] {
    return this.calls;
  }

  /** Apollo resolved the operation the request runs. */
  resolved(operation: string | null, type: string | null): void {
    this.operationName = operation;
    this.type = type;
  }

  /** A mutation's business outcome: it says what happened, whatever error a field added later. */
  answered(outcome: string): void {
    this.result = outcome;
  }

  /** An error code of the request: the first one tells, and never over a business outcome. */
  failed(code: string): void {
    this.result ??= code;
  }

  /** The answer was replayed under its Idempotency-Key: Apollo did not run, the log still names it. */
  replayed(operation: string): void {
    this.operationName = operation;
    this.result = "replayed";
  }

  omsCall(call: OmsCallRecord): void {
    this.calls.push(call);
  }
}
