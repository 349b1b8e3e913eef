/**
 * A loopback HTTP server for one test, closed after it: for specifying the HTTP helpers against real
 * requests.
 */
import nodeHttp, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const cleanups: Array<() => Promise<void> | void> = [];

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = nodeHttp.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port };
}
