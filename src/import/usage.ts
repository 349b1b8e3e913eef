/** The import's help text, shown by --help and after a usage error. */
export const USAGE = `Usage: oms-graph-import <tracking.csv> [--out <result.csv>] [--delimiter comma|semicolon|tab]
       npm run import -- <tracking.csv> [options]

Reads package_id, cargo_company (an id, a name or an ERP code; cargo_company_id is read too),
tracking_number and query_number columns, in any order, separated by , ; or tab (detected), and
updates each package's shipment through the gateway. Writes:
  <result.csv>              one line per row: line,package_id,result,code,message,outcome_known
                            (default <tracking.csv>.result.csv)
  <tracking.csv>.to-fix.csv the rows a person must fix, with reason and code: edit, import again
  <result.csv>.journal      each row's outcome: running the same command again sends only the rows
                            not done and the rows changed since

Environment:
  IMPORT_GATEWAY_URL     the gateway's /graphql URL (default http://127.0.0.1:4000/graphql)
  IMPORT_API_KEY         sent as "Authorization: Bearer <key>"
  IMPORT_CHUNK_SIZE      rows per call (default 100)
  IMPORT_CHUNKS_IN_FLIGHT calls at once after the first (default 2)
  IMPORT_TIMEOUT_MS      deadline of one call (default 120000)
  IMPORT_RETRY_ATTEMPTS  rounds over rows not applied yet, within one run (default 5)
  IMPORT_RETRY_DELAY_MS  wait before the second round, doubled after each (default 1000)

Exit: 0 all done; 1 rows to fix or not sent yet (run again), also after SIGINT/SIGTERM, which stop
after the chunks in flight (a second signal stops at once); 2 usage, file or configuration error.
`;
