/**
 * Files to import and what the OMS should see of them: 1,000 rows with the cases that must not
 * become a plain update, and counts of the commands the simulators received.
 */
import type { OmsSimulator } from "../../src/simulator/index.js";
import type { Harness } from "./harness.js";

export const HEADER = "package_id,cargo_company_id,tracking_number,query_number";
export const SIMULATOR = { maxRecordedRequests: 100_000 };

export interface Expected {
  line: number;
  packageId: string;
  result: string;
  code: string;
  /** The row reaches the OMS as a command. */
  commanded: boolean;
}

/**
 * 1,000 rows for packages 2000–2999 with cargo companies 1–8, CRLF line ends and a byte order mark,
 * and a few rows that must not become a plain update.
 */
export function buildImport(): { csv: string; expected: Expected[] } {
  const lines = [HEADER];
  const expected: Expected[] = [];
  let line = 2;
  for (let i = 0; i < 1000; i++) {
    let packageId = String(2000 + i);
    let cargo = String(1 + (i % 8));
    let tracking = `TRK-${i}`;
    let query = i % 2 === 0 ? `Q-${i}` : "";
    let result = "ShipmentUpdated";
    let code = "";
    let commanded = true;
    const refuse = (r: string, c: string, sent = false) => {
      result = r;
      code = c;
      commanded = sent;
    };
    if (i === 10) {
      packageId = "20l0";
      refuse("ValidationError", "INVALID_ID");
    } else if (i === 20) {
      tracking = "X".repeat(65);
      refuse("ValidationError", "INVALID_LENGTH");
    } else if (i === 30) {
      packageId = "2005"; // row 5 has it, in the same chunk
      refuse("ERROR", "DUPLICATE_PACKAGE");
    } else if (i === 450) {
      packageId = "2100"; // row 100 has it, in another chunk
      refuse("ERROR", "DUPLICATE_PACKAGE");
    } else if (i === 40) {
      packageId = "1005"; // waiting: no shipment transition
      refuse("ValidationError", "TRANSITION_NOT_CONFIGURED");
    } else if (i === 50) {
      cargo = "99"; // refused by the OMS itself
      refuse("ValidationError", "OMS_VALIDATION", true);
    } else if (i === 60) {
      tracking = 'TRK,60 "quoted"';
    } else if (i === 70) {
      query = "Q\n70"; // a line break inside a quoted field: valid CSV, refused by the gateway
      refuse("ValidationError", "INVALID_CHARACTERS");
    }
    lines.push([packageId, cargo, tracking, query].map(csvField).join(","));
    expected.push({ line, packageId, result, code, commanded });
    line += 1 + (query.match(/\n/g)?.length ?? 0);
  }
  return { csv: `\uFEFF${lines.join("\r\n")}\r\n`, expected };
}

// Written by hand rather than with the writer under test.
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Commands the simulators received, per package id. */
export function commandsPerPackage(...sources: Array<Harness | OmsSimulator>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const source of sources) {
    const requests = "sim" in source ? source.sim.requests : source.requests;
    for (const r of requests.filter((q) => q.method === "POST" && q.path.endsWith("/command/"))) {
      const id = /\/packages\/([^/]+)\/command\/$/.exec(r.path)?.[1] ?? "?";
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

export function commandedIds(expected: Expected[]): string[] {
  return expected.filter((e) => e.commanded).map((e) => e.packageId);
}

export function commandsAt(sim: OmsSimulator): number {
  return sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/command/")).length;
}
