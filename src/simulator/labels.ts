import { NOT_FOUND, type Reply } from "./http-io.js";
import type { PackageStore } from "./store.js";

const LABEL_PATH = /^\/labels\/(\d{1,15})\/(\d{1,15})\.pdf$/;

/** The label files the packages point at: a stand-in PDF for any version of a known package's label. */
export function labelReply(store: PackageStore, method: string, pathname: string): Reply {
  const match = LABEL_PATH.exec(pathname);
  if (!match || (method !== "GET" && method !== "HEAD") || !store.get(Number(match[1]))) return NOT_FOUND;
  const pdf = Buffer.from(
    `%PDF-1.4\n% shipping label for package ${match[1]}, version ${match[2]}\ntrailer\n<<>>\n%%EOF\n`,
    "latin1",
  );
  return { status: 200, body: pdf, headers: { "content-type": "application/pdf" } };
}
