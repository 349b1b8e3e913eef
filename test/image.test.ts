/**
 * The Docker image, as far as a machine without Docker can check it: the runtime stages copy what
 * `npm run image:files` puts together, and each program starts from those files alone (no
 * node_modules, no package.json anywhere above them), with its stage's environment and command, the
 * gateway on the standalone simulator's stage; the HEALTHCHECK command passes against it and fails
 * once it stopped.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from "../src/graphql/example.js";
import { bundleAll } from "../src/tools/bundle.js";
import { IMAGE_FILES, type ImageStage, stageImageFiles } from "../src/tools/image-files.js";
import { argsOf, envOf, execForm, readDockerfile, type Stage } from "./helpers/dockerfile.js";
import { startGatewayProcess } from "./helpers/gateway-process.js";
import { freePort } from "./helpers/redis.js";
import { startSimulatorProcess } from "./helpers/simulator-process.js";

const STAGES = readDockerfile();
const API_KEY = "image-test-api-key-0001";

function stage(name: string): Stage {
  const found = STAGES.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage "${name}"`);
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Runs an exec-form command as Docker would: the stage's WORKDIR is `cwd`, `node` is this Node. */
async function run(command: string[], cwd: string, env: Record<string, string>): Promise<number | null> {
  expect(command[0]).toBe("node");
  const child = spawn(process.execPath, command.slice(1), { cwd, env, stdio: "ignore" });
  const [code] = await once(child, "exit");
  return code as number | null;
}

describe("the Dockerfile's stages", () => {
  it("build each runtime stage's folder with npm run image:files, and copy nothing else into it", () => {
    const build = stage("build");
    expect(argsOf(build, "RUN")).toContain("npm run build");
    for (const name of Object.keys(IMAGE_FILES)) {
      expect(argsOf(build, "RUN").join(" && ")).toContain(`npm run image:files -- ${name} /image/${name}`);
      expect(argsOf(stage(name), "COPY")).toEqual([`--from=build /image/${name}/ ./`]);
      expect(argsOf(stage(name), "USER")).toEqual(["node"]);
    }
    // The gateway is the default target: the last stage.
    expect(STAGES.at(-1)?.name).toBe("gateway");
  });

  it("send the build stage everything it copies: .dockerignore leaves it in the context", () => {
    const ignored = readFileSync(new URL("../.dockerignore", import.meta.url), "utf8").split("\n");
    const copied = argsOf(stage("build"), "COPY").flatMap((args) => args.split(" ").slice(0, -1));
    expect(copied).toEqual([
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src",
    ]);
    for (const path of copied) expect(ignored).not.toContain(path);
    expect(ignored).toContain("node_modules");
  });
});

describe("the image's programs, started from their stage's files alone", () => {
  let root: string;
  const folder = (name: ImageStage) => join(root, "image", name);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "oms-graph-image-"));
    // The bundles as `npm run build` makes them, then each stage's folder as the Dockerfile makes it.
    await bundleAll(join(root, "build"));
    for (const name of Object.keys(IMAGE_FILES) as ImageStage[]) {
      await stageImageFiles(name, join(root, "build"), folder(name));
    }
  }, 60_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("hold exactly the listed files, read-only, with no node_modules or package.json above them", async () => {
    for (const name of Object.keys(IMAGE_FILES) as ImageStage[]) {
      expect(await filesUnder(folder(name))).toEqual([...IMAGE_FILES[name]].sort());
      for (const file of IMAGE_FILES[name]) {
        expect((await stat(join(folder(name), file))).mode & 0o777).toBe(0o444);
      }
      for (let dir = folder(name); dir !== dirname(dir); dir = dirname(dir)) {
        expect(existsSync(join(dir, "node_modules")), dir).toBe(false);
        expect(existsSync(join(dir, "package.json")), dir).toBe(false);
      }
    }
  });

  it("serve the example mutation, gateway on simulator; the HEALTHCHECK passes, and fails once it stopped", async () => {
    const simulatorStage = stage("oms-simulator");
    const simulatorCmd = execForm(argsOf(simulatorStage, "CMD").at(-1) ?? "");
    // docker run -e: loopback and a free port instead of 0.0.0.0 and the fixed one.
    const simulator = await startSimulatorProcess(
      { ...envOf(simulatorStage), HOST: "127.0.0.1", OMS_SIMULATOR_PORT: "0" },
      simulatorCmd.slice(1),
      folder("oms-simulator"),
    );

    const gatewayStage = stage("gateway");
    const env: Record<string, string> = {
      ...envOf(gatewayStage),
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      OMS_BASE_URL: simulator.url,
      OMS_API_TOKEN: "demo-oms-token",
      OMS_SHIPMENT_TRANSITIONS: "packed:41,shipped:42,delivered:43,attempted_delivery:44",
      API_KEYS: API_KEY,
      ROUTER_SECRET: "image-test-router-secret",
    };
    expect(env.NODE_ENV).toBe("production");
    const cmd = execForm(argsOf(gatewayStage, "CMD").at(-1) ?? "");
    const gateway = await startGatewayProcess(env, cmd.slice(1), folder("gateway"));
    const healthcheck = execForm(argsOf(gatewayStage, "HEALTHCHECK").at(-1) ?? "");
    const healthEnv = { PATH: process.env.PATH ?? "", ...env };
    expect(await run(healthcheck, folder("gateway"), healthEnv)).toBe(0);

    const res = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query: EXAMPLE_OPERATION, variables: EXAMPLE_VARIABLES }),
    });
    const body = (await res.json()) as { data?: { updatePackageShipment?: { __typename: string } } };
    expect(body.data?.updatePackageShipment?.__typename).toBe("ShipmentUpdated");
    await expect.poll(simulator.output).toMatch(/^POST \/api\/v1\/oms\/packages\/1001\/command\/ 204 /m);

    gateway.child.kill("SIGTERM");
    const [code] = await once(gateway.child, "exit");
    expect(code).toBe(0);
    expect(await run(healthcheck, folder("gateway"), healthEnv)).toBe(1);
  });
});
