/**
 * Where the gateway must call the OMS (shared/oms/oms-api.md), written once so that a spec asserting
 * what was sent cannot drift from another spec asserting the same route.
 */

export const packagePath = (id: number | string) => `/api/v1/oms/packages/${id}/`;
export const commandPath = (id: number | string) => `/api/v1/oms/packages/${id}/command/`;
/** The cargo company list read, as "METHOD /path?query". */
export const CARGO_LIST = "GET /api/v1/oms/cargo_companies/?page_size=100";
