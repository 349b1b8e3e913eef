/**
 * `npm run cluster`: the scale-out topology on this machine (see cluster.ts and the README's
 * "Running at scale"), every program's output prefixed with its name, until Ctrl-C. Needs the Debian
 * packages redis-server and haproxy. ROUTER_PORT chooses the router's port (default 4000).
 */
import { spawnSync } from "node:child_process";
import { type Cluster, DEMO_API_KEY, startCluster } from "./cluster.js";

const missing = ["redis-server", "haproxy"].filter(
  (program) => spawnSync(program, ["-v"]).error !== undefined,
);
if (missing.length > 0) {
  process.stderr.write(
    `npm run cluster needs ${missing.join(" and ")} (apt-get install ${missing.join(" ")}).\n`,
  );
  process.exit(1);
}

const port = Number(process.env.ROUTER_PORT ?? 4000);
const cluster = await startCluster({
  routerPort: port,
  onLine: (service, line) => process.stdout.write(`${service.padEnd(8)}| ${line}\n`),
}).catch((error: Error) => {
  process.stderr.write(`The cluster did not start: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write(summary(cluster));

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\nstopping the cluster...\n");
    void cluster.stop().then(() => process.exit(0));
  });
}

function summary(c: Cluster): string {
  const [a, b] = c.replicas;
  const example = JSON.stringify({
    query:
      "mutation($input: UpdatePackageShipmentInput!) { updatePackageShipment(input: $input) { __typename } }",
    variables: { input: { packageId: "2001", cargoCompanyId: "2", trackingNumber: "AR-CLUSTER-1" } },
  });
  return [
    "",
    "  oms-graph cluster on loopback (Ctrl-C stops it)",
    `  router (Hive Gateway):    ${c.routerUrl}`,
    `  haproxy -> replicas:      ${c.balancerUrl}/subgraph -> a ${a.url}, b ${b.url}`,
    `  shared idempotency store: ${c.redisUrl}`,
    `  OMS (simulator):          ${c.omsUrl}`,
    `  orders subgraph:          ${c.ordersUrl}`,
    `  a replica's own /graphql: Authorization: Bearer ${DEMO_API_KEY}`,
    "",
    "  try it twice: haproxy sends the second to the other replica, which replays the first one's answer",
    `  curl -s ${c.routerUrl} -H 'content-type: application/json' -H 'Idempotency-Key: try-1' \\`,
    `    -d '${example}'`,
    "",
    "",
  ].join("\n");
}
