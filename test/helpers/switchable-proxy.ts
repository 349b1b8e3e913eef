/**
 * A TCP port in front of a server that can refuse connections and come back: the OMS going down
 * and returning, as the gateway sees it.
 */
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { freePort } from "./redis.js";

/** A TCP port in front of the simulator that can refuse connections (the OMS down) and come back. */
export async function startSwitchableProxy(
  target: number,
): Promise<{ url: string; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: NetServer | null = null;
  const up = async () => {
    server = createNetServer((socket) => {
      const upstream = connect(target, "127.0.0.1");
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      const drop = () => {
        socket.destroy();
        upstream.destroy();
        sockets.delete(socket);
        sockets.delete(upstream);
      };
      socket.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
  };
  const down = async () => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    server = null;
  };
  await up();
  return { url: `http://127.0.0.1:${port}`, down, up, close: down };
}
