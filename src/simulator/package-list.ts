/**
 * `GET /api/v1/oms/packages/` filters, as a django-filter FilterSet would apply them: the contract's
 * default parameter names (shared/design/contract.md), an empty value ignored, an unknown parameter
 * ignored, a value that does not parse answered 400 in the OMS's validation shape.
 */
import type { OmsPackage, OmsValidationErrorBody } from "./wire.js";

type Test = (pkg: OmsPackage) => boolean;

interface Filter {
  param: string;
  /** The package test for a non-empty value, or the reason the value is refused. */
  parse(value: string): Test | string;
}

const ENTER_A_NUMBER = "Enter a number.";
const ENTER_A_DATE_TIME = "Enter a valid date/time.";

const FILTERS: readonly Filter[] = [
  {
    param: "id__in",
    parse(value) {
      const ids = csv(value);
      if (ids.some((part) => !/^\d+$/.test(part))) return ENTER_A_NUMBER;
      const only = new Set(ids.map(Number));
      return (pkg) => only.has(pkg.id);
    },
  },
  {
    param: "state__enum_value__in",
    parse(value) {
      const only = new Set(csv(value));
      return (pkg) => only.has(pkg.state.enum_value);
    },
  },
  {
    param: "shipment__cargo_company",
    parse(value) {
      if (!/^\d+$/.test(value)) return ENTER_A_NUMBER;
      const id = Number(value);
      return (pkg) => pkg.shipment?.cargo_company === id;
    },
  },
  {
    param: "order__number",
    parse: (value) => (pkg) => pkg.order_number === value,
  },
  {
    param: "created_date__gte",
    parse: (value) => createdTest(value, (created, bound) => created >= bound),
  },
  {
    param: "created_date__lte",
    parse: (value) => createdTest(value, (created, bound) => created <= bound),
  },
];

/** The packages `query` selects, in the order given, or the 400 body naming every bad parameter. */
export function filterPackages(
  packages: readonly OmsPackage[],
  query: URLSearchParams,
): OmsPackage[] | OmsValidationErrorBody {
  const tests: Test[] = [];
  const errors: Record<string, string[]> = {};
  for (const filter of FILTERS) {
    const value = query.get(filter.param)?.trim();
    if (value === undefined || value === "") continue;
    const parsed = filter.parse(value);
    if (typeof parsed === "string") errors[filter.param] = [parsed];
    else tests.push(parsed);
  }
  if (Object.keys(errors).length > 0) return { error: errors, status_code: 400 };
  return tests.length === 0 ? [...packages] : packages.filter((pkg) => tests.every((test) => test(pkg)));
}

function csv(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?(Z|[+-]\d{2}:?\d{2})?$/;

// Private: Django reads ISO 8601 dates and date-times; one without an offset is taken as UTC here.
function createdTest(value: string, keep: (created: number, bound: number) => boolean): Test | string {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return ENTER_A_DATE_TIME;
  const [, date, time = "00:00", offset = "Z"] = match;
  const zone = offset === "Z" ? offset : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  const bound = Date.parse(`${date}T${time}${zone}`);
  if (Number.isNaN(bound)) return ENTER_A_DATE_TIME;
  return (pkg) => pkg.created_date !== undefined && keep(Date.parse(pkg.created_date), bound);
}
