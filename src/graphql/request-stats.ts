/**
 * What one request did, for its log line and the request metrics: the one owner of those facts.
 * Each step of the request reports what it knows through a method; the rules for which report wins
 * live here, not at the places that report.
 */
import type { OmsCallRecord } from "../domain/ports.js";

/** Package ids kept for the request log line: enough to find a bulk call's first failures. */
export const MAX_LOGGED_PACKAGES = 20;

export class RequestStats {
  private operationName: string | null = null;
  private type: string | null = null;
  private result: string | null = null;
  private firstCode: string | null = null;
  private who: string | null = null;
  private readonly packages: string[] = [];
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

  /**
   * The first failure's code: a top-level error's, or a mutation result's other than
   * ShipmentUpdated (a CommandRejected's OMS code, a ValidationError's first field code).
   */
  get code(): string | null {
    return this.firstCode;
  }

  /** Who asked: the verified caller's id (an API key's digest, a JWT subject), never a credential. */
  get caller(): string | null {
    return this.who;
  }

  /** Packages the request named, the first MAX_LOGGED_PACKAGES of them. */
  get packageIds(): readonly string[] {
    return this.packages;
  }

  calledBy(caller: string): void {
    this.who = caller;
  }

  /** Notes the packages a field names. */
  notePackages(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.packages.length >= MAX_LOGGED_PACKAGES) return;
      if (!this.packages.includes(id)) this.packages.push(id);
    }
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
    this.firstCode ??= code;
  }

  /** A mutation result other than ShipmentUpdated: its code, when it is the request's first failure. */
  itemFailed(code: string): void {
    this.firstCode ??= code;
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
