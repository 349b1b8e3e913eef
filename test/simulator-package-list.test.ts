/**
 * The simulator's package list as a frontend pages through it: the list demo packages 3001–3060
 * (contract: statuses cycling packed, shipped, delivered, waiting; cargo companies cycling 1–8;
 * order numbers ORD-3001…; created one hour apart) and the filters under their default names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_OMS_TOKEN, type OmsPackage, type OmsPage, startSimulator } from "../src/simulator/index.js";

let sim: Awaited<ReturnType<typeof startSimulator>>;
const auth = { authorization: `Token ${DEMO_OMS_TOKEN}` };

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

async function list(query: string) {
  const res = await fetch(`${sim.url}/api/v1/oms/packages/?${query}`, { headers: auth });
  return { status: res.status, body: (await res.json()) as OmsPage<OmsPackage> & Record<string, unknown> };
}

const ids = (page: OmsPage<OmsPackage>) => page.results.map((pkg) => pkg.id);
const LIST_IDS = Array.from({ length: 60 }, (_, i) => 3001 + i);
const STATUS_CYCLE = ["Packed", "Shipped", "Delivered", "Waiting"];

describe("list demo packages 3001–3060", () => {
  it.each(LIST_IDS)("%i follows the cycles", (id) => {
    const index = id - 3001;
    const pkg = sim.getPackage(id) as OmsPackage;
    const status = STATUS_CYCLE[index % 4];
    const cargo = (index % 8) + 1;
    expect(pkg.state.name).toBe(status);
    expect(pkg.order_number).toBe(`ORD-${id}`);
    expect(pkg.created_date).toBe(new Date(Date.UTC(2024, 6, 1, 8) + index * 3_600_000).toISOString());
    const hasShipment =
      status === "Shipped" || status === "Delivered" || (status === "Packed" && cargo === 5);
    expect(pkg.shipment === null ? null : pkg.shipment.cargo_company).toBe(hasShipment ? cargo : null);
    expect(pkg.shipping_label === null).toBe(!hasShipment);
  });

  it("leave the other demo packages as they were", () => {
    expect(sim.getPackage(1001)?.shipment).toEqual({
      awb_number: "YK1001",
      query_number: null,
      cargo_company: 1,
    });
    expect(sim.getPackage(2999)?.shipment).toBeNull();
    expect(sim.getPackage(3000)).toBeUndefined();
    expect(sim.getPackage(3061)).toBeUndefined();
  });
});

describe("filters under the contract's default names", () => {
  it("state__enum_value__in takes several enum values", async () => {
    const { status, body } = await list(
      "state__enum_value__in=600,100&created_date__gte=2024-07-01T00:00:00Z",
    );
    expect(status).toBe(200);
    expect(ids(body)).toEqual(LIST_IDS.filter((id) => [1, 3].includes((id - 3001) % 4)).slice(0, 20));
    expect(body.count).toBe(30);
  });

  it("shipment__cargo_company matches the shipment's cargo company", async () => {
    const { body } = await list("shipment__cargo_company=2&page_size=100");
    expect(ids(body)).toEqual([1002, 1007, 3002, 3010, 3018, 3026, 3034, 3042, 3050, 3058]);
  });

  it("order__number matches one order exactly", async () => {
    expect(ids((await list("order__number=ORD-3007")).body)).toEqual([3007]);
    expect(ids((await list("order__number=ORD-30")).body)).toEqual([]);
  });

  it("created_date__gte and __lte are inclusive bounds", async () => {
    const { body } = await list(
      "created_date__gte=2024-07-01T10:00:00Z&created_date__lte=2024-07-01T12:00:00Z",
    );
    expect(ids(body)).toEqual([3003, 3004, 3005]);
    const local = await list(
      "created_date__gte=2024-07-01T13:00:00%2B03:00&created_date__lte=2024-07-01T10:00:00",
    );
    expect(ids(local.body)).toEqual([3003]);
  });

  it("combines filters with id__in and pages the result", async () => {
    const { body } = await list("id__in=3001,3002,3005,3009,3013,1001&state__enum_value__in=500&page_size=2");
    expect(ids(body)).toEqual([1001, 3001]);
    expect(body.count).toBe(5);
    expect(body.next).toBe(
      `${sim.url}/api/v1/oms/packages/?id__in=3001%2C3002%2C3005%2C3009%2C3013%2C1001&page=2&page_size=2&state__enum_value__in=500`,
    );
  });

  it("ignores empty values and unknown parameters, like django-filter", async () => {
    const { body } = await list("order__number=&state__enum_value__in=&colour=blue");
    expect(body.count).toBe(1068);
  });

  it("answers a value that does not parse with 400 naming every bad parameter", async () => {
    const { status, body } = await list("shipment__cargo_company=x&created_date__lte=yesterday&id__in=1,2");
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        shipment__cargo_company: ["Enter a number."],
        created_date__lte: ["Enter a valid date/time."],
      },
      status_code: 400,
    });
  });
});
