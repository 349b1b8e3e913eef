/**
 * A router that reports usage sends `apollo-federation-include-trace: ftv1` to its subgraphs and
 * gets each answer's field trace in `extensions.ftv1`, as Apollo subgraphs give it: base64 of the
 * Trace protobuf, with a node per resolved field and the errors by code only.
 */
import { Trace } from "@apollo/usage-reporting-protobuf";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROUTER_SECRET } from "../helpers/federation.js";
import { type Harness, startHarness } from "../helpers/harness.js";

const QUERY = '{ package(id: "1002") { id status shipment { trackingNumber cargoCompany { name } } } }';
const FTV1 = { "apollo-federation-include-trace": "ftv1" };

type Node = InstanceType<typeof Trace.Node>;

/** Response names of the trace's nodes, depth first, as dotted paths ("package.shipment"). */
function fieldPaths(node: Node | null | undefined, prefix = ""): string[] {
  return (node?.child ?? []).flatMap((child) => {
    const name = child.responseName || String(child.index);
    const path = prefix === "" ? name : `${prefix}.${name}`;
    return [path, ...fieldPaths(child as Node, path)];
  });
}

function decoded(extensions: Record<string, unknown> | undefined) {
  const ftv1 = extensions?.ftv1;
  expect(typeof ftv1).toBe("string");
  return Trace.decode(Buffer.from(ftv1 as string, "base64"));
}

describe("/subgraph asked for a field trace", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ROUTER_SECRET });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  const subgraph = (query: string, headers: Record<string, string> = {}) =>
    h.post("/subgraph", JSON.stringify({ query }), { "router-authorization": ROUTER_SECRET, ...headers });

  it("answers with extensions.ftv1: a trace whose nodes are the fields resolved", async () => {
    // Run first without a trace: with the harness the operation is compiled at its first run, and the
    // traced run must still see every field.
    const plain = await subgraph(QUERY);
    expect(plain.body).toEqual({
      data: {
        package: {
          id: "1002",
          status: "SHIPPED",
          shipment: { trackingNumber: "AR1002", cargoCompany: { name: "Aras Kargo" } },
        },
      },
    });

    const res = await subgraph(QUERY, FTV1);

    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(plain.body.data);
    const trace = decoded(res.body.extensions);
    expect(Number(trace.durationNs)).toBeGreaterThan(0);
    expect(trace.startTime?.seconds).toBeDefined();
    expect(fieldPaths(trace.root as Node)).toEqual(
      expect.arrayContaining([
        "package",
        "package.id",
        "package.status",
        "package.shipment",
        "package.shipment.trackingNumber",
        "package.shipment.cargoCompany",
        "package.shipment.cargoCompany.name",
      ]),
    );
    const packageNode = (trace.root?.child ?? []).find((child) => child.responseName === "package");
    expect(packageNode?.parentType).toBe("Query");
    expect(packageNode?.type).toBe("Package");
  });

  it("keeps only the code of an error in the trace, the message being masked", async () => {
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1001/",
      fault: { kind: "status", status: 503 },
    });

    const res = await subgraph('{ package(id: "1001") { id } }', FTV1);

    expect(res.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");
    const trace = decoded(res.body.extensions);
    const packageNode = (trace.root?.child ?? []).find((child) => child.responseName === "package");
    expect(packageNode?.error).toHaveLength(1);
    const error = packageNode?.error?.[0];
    expect(error?.message).toBe("<masked>");
    expect(JSON.parse(error?.json ?? "{}")).toMatchObject({ extensions: { code: "OMS_UNAVAILABLE" } });
    expect(error?.json).not.toContain("OMS is");
  });

  it("adds no trace when not asked, nor on /graphql when asked", async () => {
    const plain = await subgraph(QUERY);
    expect(plain.body.extensions).toBeUndefined();

    const onPublic = await h.post("/graphql", JSON.stringify({ query: QUERY }), FTV1);
    expect(onPublic.status).toBe(200);
    expect(onPublic.body.extensions).toBeUndefined();
  });
});
