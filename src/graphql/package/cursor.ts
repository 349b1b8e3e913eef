/**
 * Cursors of the package list. A cursor is a position in the list, bound to the filter it was issued
 * for by a check value: a cursor that was edited, or is used with another filter, is refused instead
 * of silently starting somewhere else. Not a secret: positions are no more than a caller can count.
 */
import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import type { PackageFilter } from "../../domain/package-list.js";

const VERSION = "p1";
const CHECK_LENGTH = 12;

export class CursorCodec {
  private readonly key: string;

  constructor(filter: PackageFilter) {
    this.key = filterKey(filter);
  }

  /** The cursor of the package at `position` (0-based). */
  encode(position: number): string {
    return Buffer.from(`${VERSION}:${position}:${this.check(position)}`).toString("base64url");
  }

  /**
   * The position a cursor names.
   * @throws GraphQLError BAD_USER_INPUT when it is not a cursor of this list with this filter.
   */
  decode(cursor: string): number {
    // At most nine digits: far beyond any list a caller pages through, and an exact integer.
    const match = /^p1:(\d{1,9}):[A-Za-z0-9_-]+$/.exec(Buffer.from(cursor, "base64url").toString("latin1"));
    const position = match ? Number(match[1]) : -1;
    // Only the exact text this codec issues for that position passes: its check value (so an edited
    // cursor, or one of another filter) and its digits (no leading zeros, at most nine).
    if (!match || this.encode(position) !== cursor) {
      throw new GraphQLError(
        "after is not a cursor of this package list: pass a cursor from a page of packages read with the same filter, unchanged.",
        { extensions: { code: "BAD_USER_INPUT", argumentName: "after" } },
      );
    }
    return position;
  }

  private check(position: number): string {
    return createHash("sha256").update(`${this.key}\n${position}`).digest("base64url").slice(0, CHECK_LENGTH);
  }
}

// Private: the same filter written in another order, or with its lists in another order, is the
// same list.
function filterKey(filter: PackageFilter): string {
  return JSON.stringify([
    filter.ids ? [...filter.ids].sort((a, b) => a - b) : null,
    filter.statuses ? [...filter.statuses].sort() : null,
    filter.cargoCompanyId ?? null,
    filter.orderNumber ?? null,
    filter.createdAfter ?? null,
    filter.createdBefore ?? null,
  ]);
}
