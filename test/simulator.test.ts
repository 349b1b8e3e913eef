import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_OMS_TOKEN,
  type OmsCargoCompany,
  type OmsPackage,
  type OmsPage,
  type OmsSimulator,
  startSimulator,
} from "../src/simulator/index.js";

let sim: OmsSimulator;
const auth = { authorization: `Token ${DEMO_OMS_TOKEN}` };

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function getJson<T = unknown>(path: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${sim.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

/** Follows `next` links from `path` and returns every page. */
async function allPages<T>(path: string): Promise<OmsPage<T>[]> {
  const pages: OmsPage<T>[] = [];
  let next: string | null = `${sim.url}${path}`;
  while (next) {
    const res = await fetch(next, { headers: auth });
    expect(res.status).toBe(200);
    const page = (await res.json()) as OmsPage<T>;
    pages.push(page);
    next = page.next;
  }
  return pages;
}

describe("start-up", () => {
  it("listens on an ephemeral loopback port with the demo token", () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.token).toBe("demo-oms-token");
  });

  it("takes another token and auth scheme", async () => {
    const other = await startSimulator({ token: "s3cret", authScheme: "Bearer" });
    try {
      const ok = await fetch(`${other.url}/api/v1/oms/packages/1001/`, {
        headers: { authorization: "Bearer s3cret" },
      });
      expect(ok.status).toBe(200);
      const wrongScheme = await fetch(`${other.url}/api/v1/oms/packages/1001/`, {
        headers: { authorization: "Token s3cret" },
      });
      expect(wrongScheme.status).toBe(401);
      expect(await wrongScheme.json()).toEqual({ detail: "Authentication credentials were not provided." });
      expect(wrongScheme.headers.get("www-authenticate")).toBe("Bearer");
    } finally {
      await other.close();
    }
  });
});

describe("demo packages", () => {
  const label = (id: number) => ({ url: `${sim.url}/labels/${id}/1.pdf`, modified_date: expect.any(String) });
  const rows: [number, string, string, OmsPackage["shipment"], number | null][] = [
    [1001, "Packed", "500", { awb_number: "YK1001", query_number: null, cargo_company: 1 }, 41],
    [1002, "Shipped", "600", { awb_number: "AR1002", query_number: "Q-1002", cargo_company: 2 }, 42],
    [1003, "Delivered", "700", { awb_number: "MN1003", query_number: null, cargo_company: 3 }, 43],
    [1004, "Attempted Delivery", "710", { awb_number: "YK1004", query_number: null, cargo_company: 1 }, 44],
    [1005, "Waiting", "100", null, null],
    [1006, "Preparing", "200", null, null],
    [1007, "Delivery Failed", "720", { awb_number: "AR1007", query_number: null, cargo_company: 2 }, null],
    [1008, "Cancelled", "950", null, null],
  ];

  it.each(rows)("%i is %s (%s)", async (id, name, enumValue, shipment, transition) => {
    const { status, headers, body } = await getJson<OmsPackage>(`/api/v1/oms/packages/${id}/`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("application/json");
    expect(body.state).toEqual({
      id: expect.any(Number),
      name,
      enum_class: "PackageStatus",
      enum_value: enumValue,
    });
    expect(body.number).toBe(`PKG-${id}`);
    expect(body.order_number).toBe(`ORD-${id}`);
    expect(body.shipment).toEqual(shipment);
    expect(body.shipping_label).toEqual(shipment ? label(id) : null);
    expect(body.commands).toEqual(
      transition ? [{ transition_id: transition, name: "update_shipment_info" }] : [],
    );
  });

  it("sends 1002 exactly", async () => {
    const { body } = await getJson(`/api/v1/oms/packages/1002/`);
    expect(body).toEqual({
      id: 1002,
      number: "PKG-1002",
      state: { id: 5, name: "Shipped", enum_class: "PackageStatus", enum_value: "600" },
      commands: [{ transition_id: 42, name: "update_shipment_info" }],
      order_id: 501002,
      order_number: "ORD-1002",
      shipment: { awb_number: "AR1002", query_number: "Q-1002", cargo_company: 2 },
      shipping_label: { url: `${sim.url}/labels/1002/1.pdf`, modified_date: "2024-05-06T11:37:00.000Z" },
      stock_location: { id: 1, name: "İstanbul Merkez Depo", erp_code: "WH-IST-01" },
      created_date: "2024-05-06T09:37:00.000Z",
      modified_date: "2024-05-06T11:37:00.000Z",
    });
  });

  it("has packed bulk packages 2000-2999 without shipment, and nothing past them", async () => {
    for (const id of [2000, 2500, 2999]) {
      const { body } = await getJson<OmsPackage>(`/api/v1/oms/packages/${id}/`);
      expect(body.state.name).toBe("Packed");
      expect(body.shipment).toBeNull();
      expect(body.shipping_label).toBeNull();
      expect(body.commands).toEqual([{ transition_id: 41, name: "update_shipment_info" }]);
    }
    for (const path of ["3000/", "1999/", "0/", "abc/", "-1/", "1001.0/"]) {
      const { status, body } = await getJson(`/api/v1/oms/packages/${path}`);
      expect([path, status, body]).toEqual([path, 404, { detail: "Not found." }]);
    }
  });

  it("serves the label files the packages point at", async () => {
    const url = sim.getPackage(1001)?.shipping_label?.url as string;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
    expect((await fetch(`${sim.url}/labels/4242/1.pdf`)).status).toBe(404);
  });
});

describe("cargo companies", () => {
  it("lists the eight demo companies by id", async () => {
    const { body } = await getJson<OmsPage<OmsCargoCompany>>("/api/v1/oms/cargo_companies/");
    expect(body).toEqual({
      count: 8,
      next: null,
      previous: null,
      results: [
        { id: 1, name: "Yurtiçi Kargo", erp_code: "yurtici-kargo", shipping_company: "yurtici" },
        { id: 2, name: "Aras Kargo", erp_code: "aras-kargo", shipping_company: "aras" },
        { id: 3, name: "MNG Kargo", erp_code: "mng-kargo", shipping_company: "mng" },
        { id: 4, name: "PTT Kargo", erp_code: "ptt-kargo", shipping_company: "ptt" },
        { id: 5, name: "Sürat Kargo", erp_code: "surat-kargo", shipping_company: "surat" },
        { id: 6, name: "UPS", erp_code: "ups", shipping_company: "ups" },
        { id: 7, name: "DHL Express", erp_code: "dhl-express", shipping_company: "dhl" },
        { id: 8, name: "HepsiJET", erp_code: "hepsijet", shipping_company: "hepsijet" },
      ],
    });
  });

  it("paginates like the package list", async () => {
    const pages = await allPages<OmsCargoCompany>("/api/v1/oms/cargo_companies/?page_size=3");
    expect(pages.map((page) => page.results.map((company) => company.id))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
    expect(pages[1]?.previous).toBe(`${sim.url}/api/v1/oms/cargo_companies/?page_size=3`);
  });
});

describe("package list", () => {
  const expectedIds = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008];
  for (let id = 2000; id <= 2999; id++) expectedIds.push(id);
  for (let id = 3001; id <= 3060; id++) expectedIds.push(id);

  it("walks every package in id order by following next links", async () => {
    const pages = await allPages<OmsPackage>("/api/v1/oms/packages/?page_size=100");
    expect(pages).toHaveLength(11);
    expect(pages.flatMap((page) => page.results.map((pkg) => pkg.id))).toEqual(expectedIds);
    expect(pages.every((page) => page.count === 1068)).toBe(true);
    expect(pages[0]?.previous).toBeNull();
    expect(pages[0]?.next).toBe(`${sim.url}/api/v1/oms/packages/?page=2&page_size=100`);
    expect(pages[1]?.previous).toBe(`${sim.url}/api/v1/oms/packages/?page_size=100`);
    expect(pages[2]?.previous).toBe(`${sim.url}/api/v1/oms/packages/?page=2&page_size=100`);
    expect(pages[10]?.results).toHaveLength(68);
  });

  it.each([
    ["", 20, 1001],
    ["?page_size=500", 100, 1001],
    ["?page_size=abc", 20, 1001],
    ["?page_size=0", 20, 1001],
    ["?page=2", 20, 2012],
    ["?page=last&page_size=100", 68, 2992],
  ])("sizes the page for %j", async (query, size, firstId) => {
    const { status, body } = await getJson<OmsPage<OmsPackage>>(`/api/v1/oms/packages/${query}`);
    expect(status).toBe(200);
    expect(body.results).toHaveLength(size);
    expect(body.results[0]?.id).toBe(firstId);
  });

  it.each(["0", "-1", "abc", "1.5", "12&page_size=100", "55"])(
    "answers page=%s with Invalid page.",
    async (page) => {
      const { status, body } = await getJson(`/api/v1/oms/packages/?page=${page}`);
      expect(status).toBe(404);
      expect(body).toEqual({ detail: "Invalid page." });
    },
  );

  it("filters by id__in, keeping id order", async () => {
    const { body } = await getJson<OmsPage<OmsPackage>>("/api/v1/oms/packages/?id__in=2005,1001,99999");
    expect(body.count).toBe(2);
    expect(body.results.map((pkg) => pkg.id)).toEqual([1001, 2005]);
    expect(body.next).toBeNull();
    const bad = await getJson("/api/v1/oms/packages/?id__in=1001,x");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { id__in: ["Enter a number."] }, status_code: 400 });
  });

  it("keeps the filter in the links", async () => {
    const { body } = await getJson<OmsPage<OmsPackage>>(
      "/api/v1/oms/packages/?id__in=1001,1002,1003&page_size=2",
    );
    expect(body.next).toBe(`${sim.url}/api/v1/oms/packages/?id__in=1001%2C1002%2C1003&page=2&page_size=2`);
  });

  it("builds links from the Host header the client used", async () => {
    const res = await request(`${sim.url}/api/v1/oms/packages/`, {
      headers: { ...auth, host: "oms.example.test" },
    });
    const body = (await res.body.json()) as OmsPage<OmsPackage>;
    expect(body.next).toBe("http://oms.example.test/api/v1/oms/packages/?page=2");
  });
});

describe("auth and routing", () => {
  it.each([
    [undefined, "Authentication credentials were not provided."],
    ["Token wrong-token", "Invalid token."],
    ["Bearer demo-oms-token", "Authentication credentials were not provided."],
    ["Token", "Invalid token header. No credentials provided."],
    ["Token demo oms token", "Invalid token header. Token string should not contain spaces."],
  ])("answers Authorization %j with 401", async (header, detail) => {
    const headers: Record<string, string> = header === undefined ? {} : { authorization: header };
    for (const path of ["/api/v1/oms/packages/1001/", "/api/v1/oms/cargo_companies/", "/api/v1/nothing/"]) {
      const res = await getJson(path, headers);
      expect([path, res.status, res.body]).toEqual([path, 401, { detail }]);
      expect(res.headers.get("www-authenticate")).toBe("Token");
    }
  });

  it("answers unknown paths with 404", async () => {
    expect(await getJson("/api/v1/oms/nothing/")).toMatchObject({
      status: 404,
      body: { detail: "Not found." },
    });
    expect(await getJson("/api/v1/oms/packages/1001")).toMatchObject({ status: 404 });
    expect(await getJson("/elsewhere", {})).toMatchObject({ status: 404, body: { detail: "Not found." } });
  });

  it.each([
    ["PUT", "/api/v1/oms/packages/1001/command/", "POST"],
    ["GET", "/api/v1/oms/packages/1001/command/", "POST"],
    ["POST", "/api/v1/oms/packages/", "GET, HEAD"],
    ["DELETE", "/api/v1/oms/packages/1001/", "GET, HEAD"],
    ["PATCH", "/api/v1/oms/cargo_companies/", "GET, HEAD"],
  ])("answers %s %s with 405", async (method, path, allow) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: auth,
      body: method === "GET" ? undefined : "{}",
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(await res.json()).toEqual({ detail: `Method "${method}" not allowed.` });
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const post = (size: number) =>
      fetch(`${sim.url}/api/v1/oms/packages/1001/command/`, {
        method: "POST",
        headers: auth,
        body: "x".repeat(size),
      });
    expect((await post(1024 * 1024 + 1)).status).toBe(413);
    // Exactly 1 MiB is read, and fails as the malformed JSON it is.
    expect((await post(1024 * 1024)).status).toBe(400);
  });
});

describe("test hooks", () => {
  it("records /api requests in arrival order, and only those", async () => {
    await fetch(`${sim.url}/api/v1/oms/packages/?page=2&id__in=1,2`, { headers: auth });
    await fetch(`${sim.url}/api/v1/oms/packages/1001/command/`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: '{"transition_id": 41}',
    });
    await fetch(`${sim.url}/labels/1001/1.pdf`);
    await fetch(`${sim.url}/api/v1/oms/packages/1001/command/`, {
      method: "POST",
      headers: auth,
      body: "not json",
    });
    const [list, command, broken, ...rest] = sim.requests;
    expect(rest).toEqual([]);
    expect(list).toMatchObject({
      method: "GET",
      path: "/api/v1/oms/packages/",
      search: "?page=2&id__in=1,2",
      query: { page: "2", id__in: "1,2" },
      rawBody: "",
      json: undefined,
    });
    expect(list?.headers.authorization).toBe("Token demo-oms-token");
    expect(command).toMatchObject({
      method: "POST",
      rawBody: '{"transition_id": 41}',
      json: { transition_id: 41 },
    });
    expect(command?.headers["content-type"]).toBe("application/json");
    expect(command?.at).toBeGreaterThanOrEqual(list?.at as number);
    expect(broken).toMatchObject({ rawBody: "not json", json: undefined });
    sim.clearRequests();
    expect(sim.requests).toEqual([]);
  });

  it("keeps only the newest maxRecordedRequests", async () => {
    const small = await startSimulator({ maxRecordedRequests: 3 });
    try {
      for (let page = 1; page <= 5; page++) await fetch(`${small.url}/api/v1/oms/cargo_companies/?p=${page}`);
      expect(small.requests.map((r) => r.search)).toEqual(["?p=3", "?p=4", "?p=5"]);
    } finally {
      await small.close();
    }
  });

  it("records nothing with recordRequests false", async () => {
    const quiet = await startSimulator({ recordRequests: false });
    try {
      const res = await fetch(`${quiet.url}/api/v1/oms/packages/1001/`, { headers: auth });
      expect(res.status).toBe(200);
      expect(quiet.requests).toEqual([]);
      expect(quiet.stats.maxRequestsInFlight).toBe(1);
    } finally {
      await quiet.close();
    }
  });

  it("hands out deep copies and takes packages in through setPackage", async () => {
    const copy = sim.getPackage(1001) as OmsPackage;
    (copy.shipment as { awb_number: string }).awb_number = "CHANGED";
    expect(sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
    expect(sim.getPackage(4242)).toBeUndefined();

    sim.setPackage({ ...copy, id: 4242, number: "PKG-4242" });
    copy.number = "mutated after set";
    expect(sim.getPackage(4242)?.number).toBe("PKG-4242");
    const { body } = await getJson<OmsPage<OmsPackage>>("/api/v1/oms/packages/?page=last&page_size=100");
    expect(body.count).toBe(1069);
    expect(body.results.at(-1)?.id).toBe(4242);
  });

  it("reset() restores demo data and clears requests, faults and counters", async () => {
    sim.setPackage({ ...(sim.getPackage(1001) as OmsPackage), shipment: null });
    sim.injectFault({ fault: { kind: "status", status: 500 } });
    expect((await fetch(`${sim.url}/api/v1/oms/packages/1001/`, { headers: auth })).status).toBe(500);
    expect(sim.requests).toHaveLength(1);
    expect(sim.stats.maxRequestsInFlight).toBe(1);

    sim.reset();
    expect(sim.requests).toEqual([]);
    expect(sim.stats).toEqual({
      commandsInFlight: 0,
      maxCommandsInFlight: 0,
      requestsInFlight: 0,
      maxRequestsInFlight: 0,
    });
    const { status, body } = await getJson<OmsPackage>("/api/v1/oms/packages/1001/");
    expect(status).toBe(200);
    expect(body.shipment).toEqual({ awb_number: "YK1001", query_number: null, cargo_company: 1 });
  });
});
