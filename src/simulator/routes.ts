import { checkAuthorization } from "./auth.js";
import { CARGO_COMPANIES } from "./catalogue.js";
import { type Outcome, runShipmentCommand } from "./command.js";
import { errorReply, NOT_FOUND, type Reply } from "./http-io.js";
import { filterPackages } from "./package-list.js";
import { paginate } from "./pagination.js";
import type { PackageStore } from "./store.js";

export interface ApiRequest {
  method: string;
  pathname: string;
  search: string;
  authorization: string | undefined;
  /** The Host header, for absolute page links; the simulator's own address when absent. */
  host: string;
  rawBody: string;
}

export interface ApiConfig {
  store: PackageStore;
  authScheme: string;
  token: string;
}

export const PACKAGES_PATH = "/api/v1/oms/packages/";
export const CARGO_COMPANIES_PATH = "/api/v1/oms/cargo_companies/";
const PACKAGE_PATH = /^\/api\/v1\/oms\/packages\/([^/]+)\/(command\/)?$/;
export const COMMAND_PATH = /^\/api\/v1\/oms\/packages\/[^/]+\/command\/$/;

const READ = ["GET", "HEAD"];
const WRITE = ["POST"];

/** DRF checks the method before looking anything up, so a wrong method on a known path wins over a 404. */
function methodNotAllowed(method: string, allowed: string[]): Outcome | undefined {
  if (allowed.includes(method)) return undefined;
  return { reply: errorReply(405, `Method "${method}" not allowed.`, { allow: allowed.join(", ") }) };
}

function packageId(segment: string): number | undefined {
  if (!/^\d{1,15}$/.test(segment)) return undefined;
  const id = Number(segment);
  return id > 0 ? id : undefined;
}

function listPackages(config: ApiConfig, request: ApiRequest): Reply {
  const query = new URLSearchParams(request.search);
  const selected = filterPackages(config.store.list(), query);
  if (!Array.isArray(selected)) return { status: 400, json: selected };
  return paginate(selected, query, `http://${request.host}${PACKAGES_PATH}`);
}

/** Every /api request that got past the faults: authentication first, then routing. */
export function routeApi(config: ApiConfig, request: ApiRequest): Outcome {
  const unauthorized = checkAuthorization(request.authorization, config.authScheme, config.token);
  if (unauthorized) return { reply: unauthorized };
  const { method, pathname } = request;

  if (pathname === PACKAGES_PATH) {
    return methodNotAllowed(method, READ) ?? { reply: listPackages(config, request) };
  }
  if (pathname === CARGO_COMPANIES_PATH) {
    const pageUrl = `http://${request.host}${CARGO_COMPANIES_PATH}`;
    return (
      methodNotAllowed(method, READ) ?? {
        reply: paginate(CARGO_COMPANIES, new URLSearchParams(request.search), pageUrl),
      }
    );
  }
  const match = PACKAGE_PATH.exec(pathname);
  if (!match) return { reply: NOT_FOUND };
  const isCommand = match[2] !== undefined;
  const wrongMethod = methodNotAllowed(method, isCommand ? WRITE : READ);
  if (wrongMethod) return wrongMethod;
  const id = packageId(match[1] as string);
  const pkg = id === undefined ? undefined : config.store.get(id);
  if (isCommand) return runShipmentCommand(config.store, pkg, request.rawBody);
  return { reply: pkg ? { status: 200, json: pkg } : NOT_FOUND };
}
