/**
 * A loopback port that nothing listens on (bound, then released): a connection to it is refused.
 * The same as a free port to listen on, asked for with the other intent.
 */
export { freePort as closedPort } from "./redis.js";
