import { GraphQLError } from "graphql";
import { Field, ID, InputType } from "type-graphql";
import type { PackageStatus as DomainStatus } from "../../domain/package.js";
import { type PackageFilter as DomainFilter, MAX_PAGE_SIZE } from "../../domain/package-list.js";
import { parseOmsId } from "../ids.js";
import { PackageStatus } from "./package-status.enum.js";

@InputType("PackageFilter", { description: "Narrows the package list; the fields given must all match." })
export class PackageFilter {
  @Field(() => [ID], { nullable: true, description: `Only these packages (at most ${MAX_PAGE_SIZE} ids).` })
  ids?: string[] | null;

  @Field(() => [PackageStatus], { nullable: true, description: "Packages in any of these statuses." })
  status?: PackageStatus[] | null;

  @Field(() => ID, { nullable: true, description: "Packages whose shipment is with this cargo company." })
  cargoCompanyId?: string | null;

  @Field(() => String, { nullable: true, description: "The order number, as the OMS matches it." })
  orderNumber?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Created at or after this moment: an ISO 8601 date-time with an offset, e.g. 2024-07-01T08:00:00Z.",
  })
  createdAfter?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Created at or before this moment: an ISO 8601 date-time with an offset.",
  })
  createdBefore?: string | null;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const MAX_ORDER_NUMBER_LENGTH = 64;

/**
 * The filter in the domain's terms, checked field by field.
 * @throws GraphQLError BAD_USER_INPUT naming the field and what it must be.
 */
export function toDomainFilter(filter: PackageFilter | null | undefined): DomainFilter {
  const result: DomainFilter = {};
  if (!filter) return result;
  if (filter.ids != null) {
    if (filter.ids.length > MAX_PAGE_SIZE) {
      throw badFilter("ids", `filter.ids takes at most ${MAX_PAGE_SIZE} ids, got ${filter.ids.length}.`);
    }
    result.ids = [...new Set(filter.ids.map((id) => requireId(id, "ids")))];
  }
  if (filter.status != null) {
    result.statuses = [...new Set(filter.status.map((status) => status.toLowerCase() as DomainStatus))];
  }
  if (filter.cargoCompanyId != null)
    result.cargoCompanyId = requireId(filter.cargoCompanyId, "cargoCompanyId");
  if (filter.orderNumber != null) result.orderNumber = orderNumber(filter.orderNumber);
  if (filter.createdAfter != null) result.createdAfter = dateTime(filter.createdAfter, "createdAfter");
  if (filter.createdBefore != null) result.createdBefore = dateTime(filter.createdBefore, "createdBefore");
  return result;
}

function requireId(value: string, field: string): number {
  const id = parseOmsId(value);
  if (id === null) {
    throw badFilter(
      field,
      `filter.${field}: an id is a positive integer, got ${JSON.stringify(value.slice(0, 40))}.`,
    );
  }
  return id;
}

function orderNumber(value: string): string {
  const trimmed = value.trim();
  // An empty value would reach the OMS as no filter at all, and list every package.
  if (trimmed === "" || trimmed.length > MAX_ORDER_NUMBER_LENGTH || /\p{Cc}/u.test(trimmed)) {
    throw badFilter(
      "orderNumber",
      `filter.orderNumber must be 1 to ${MAX_ORDER_NUMBER_LENGTH} characters without control characters.`,
    );
  }
  return trimmed;
}

// Private: normalised to UTC, so the OMS gets one unambiguous form whatever offset the caller used.
function dateTime(value: string, field: string): string {
  const at = isDateTime(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    throw badFilter(
      field,
      `filter.${field} must be an ISO 8601 date-time with an offset, e.g. 2024-07-01T08:00:00Z, got ${JSON.stringify(value.slice(0, 40))}.`,
    );
  }
  return new Date(at).toISOString();
}

// Private: Date.parse rolls 30 February over into March; a date that does not exist is a mistake.
function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day));
  return (
    date.getUTCMonth() === (month as number) - 1 &&
    date.getUTCDate() === day &&
    (hour as number) < 24 &&
    (minute as number) < 60 &&
    second < 60 &&
    offsetHours < 24 &&
    offsetMinutes < 60
  );
}

export function badFilter(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", argumentName: "filter", field } });
}
