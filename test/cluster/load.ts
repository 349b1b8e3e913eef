/**
 * Keyed mutations sent through the router by a few concurrent clients, each retried with its key
 * as an integrator would until its answer says something: a lost answer (no answer, or the router's
 * own error for a replica that died) or a key still in progress is tried again, a little later.
 */
import type { Cluster } from "../../cluster/cluster.js";
import type { ItemAnswer } from "../audit/classify.js";
import { postToRouter, type RouterAnswer } from "../helpers/cluster.js";

export interface LoadItem {
  packageId: string;
  cargoCompanyId: string;
  trackingNumber: string;
}

export interface LoadRequest {
  kind: "single" | "bulk";
  query: string;
  variables: unknown;
  items: LoadItem[];
  /** Its Idempotency-Key and Authorization among them. */
  headers: Record<string, string>;
}

export interface LoadResult {
  request: LoadRequest;
  /** What each attempt's answer claimed, item by item. */
  attempts: ItemAnswer[][];
  /** The last attempt's claims: the request's answer. */
  finals: ItemAnswer[];
}

export interface LoadOptions {
  concurrency: number;
  /** Called each time a request got its final answer, with how many have. */
  onAnswered?: (answered: number) => void;
  classify: (kind: "single" | "bulk", size: number, answer: RouterAnswer) => ItemAnswer[];
}

/** Tries of one request: far more than a lapsed lease (twice OMS_TIMEOUT_MS) needs at RETRY_MS apart. */
const MAX_ATTEMPTS = 60;
const RETRY_MS = 200;

export async function runKeyedLoad(
  cluster: Cluster,
  requests: readonly LoadRequest[],
  options: LoadOptions,
): Promise<{ results: LoadResult[]; summary: Record<string, number> }> {
  const results: LoadResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as LoadRequest;
      results.push(await untilAnswered(cluster, request, options));
      options.onAnswered?.(results.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { results, summary: summarise(results) };
}

async function untilAnswered(
  cluster: Cluster,
  request: LoadRequest,
  options: LoadOptions,
): Promise<LoadResult> {
  const attempts: ItemAnswer[][] = [];
  const key = request.headers["idempotency-key"];
  for (let n = 1; n <= MAX_ATTEMPTS; n++) {
    const headers = { ...request.headers, "x-request-id": `${key}-attempt-${n}` };
    const answer = await postToRouter(cluster, request.query, request.variables, headers);
    const claims = options.classify(request.kind, request.items.length, answer);
    attempts.push(claims);
    if (claims.every((claim) => claim.class !== "lost" && claim.class !== "in-progress")) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  return { request, attempts, finals: attempts.at(-1) ?? [] };
}

function summarise(results: readonly LoadResult[]): Record<string, number> {
  const summary: Record<string, number> = {
    requests: results.length,
    lostAttempts: 0,
    inProgressAttempts: 0,
  };
  for (const { attempts, finals } of results) {
    for (const attempt of attempts) {
      if (attempt.some((claim) => claim.class === "lost"))
        summary.lostAttempts = (summary.lostAttempts ?? 0) + 1;
      if (attempt.some((claim) => claim.class === "in-progress")) {
        summary.inProgressAttempts = (summary.inProgressAttempts ?? 0) + 1;
      }
    }
    for (const claim of finals) summary[`final ${claim.class}`] = (summary[`final ${claim.class}`] ?? 0) + 1;
  }
  return summary;
}
