/**
 * One autocannon run in its own process (so it can be pinned to its own core). Arguments: a JSON
 * object `{url, body, headers, connections, duration}`; prints autocannon's result as JSON.
 */
// @ts-expect-error autocannon ships no types
import autocannon from "autocannon";

const options = JSON.parse(process.argv[2] ?? "{}");
const result = await autocannon({
  url: options.url,
  method: "POST",
  headers: { "content-type": "application/json", ...options.headers },
  body: options.body,
  connections: options.connections ?? 50,
  duration: options.duration ?? 10,
  pipelining: 1,
});
process.stdout.write(`${JSON.stringify(result)}\n`);
