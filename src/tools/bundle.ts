/**
 * Bundles the gateway into one ES module, dist/oms-graph.mjs: loading one file instead of hundreds
 * of modules halves the time to the first answered request. `npm run bundle` runs this; the test of
 * the bundle uses the same options.
 */
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";

export const IMPORT_BUNDLE = "dist/oms-graph-import.mjs";
export const SIMULATOR_BUNDLE = "dist/oms-simulator.mjs";

export function bundleOptions(outfile: string, entry = "src/main.ts"): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    // No keepNames: it wraps every function and class in a naming call, which costs on hot paths.
    // GraphQL type names are therefore given explicitly in the decorators, never taken from classes.
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    outfile,
    // Some dependencies are CommonJS and call require(); an ES module has to provide it.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    plugins: [withoutJitSerializer, nodeHashes],
  };
}

/**
 * graphql-jit loads fast-json-stringify (and with it ajv, half a megabyte) for its optional JSON
 * serializer, which is not used: Apollo writes the answers. Left out, start-up is some 20 ms shorter.
 * Should the option ever be turned on, compiling fails with this message.
 */
const withoutJitSerializer: Plugin = {
  name: "without-graphql-jit-serializer",
  setup(build) {
    build.onResolve({ filter: /^fast-json-stringify$/ }, () => ({
      path: "fast-json-stringify",
      namespace: "left-out",
    }));
    build.onLoad({ filter: /.*/, namespace: "left-out" }, () => ({
      contents:
        "module.exports = () => { throw new Error('fast-json-stringify is left out of the bundle (src/tools/bundle.ts).'); };",
      loader: "js",
    }));
  },
};

/**
 * Apollo Server hashes every request's document (its document cache key) with
 * `@apollo/utils.createhash`, which takes node:crypto through `module.require` and falls back to
 * sha.js, a hash written in JavaScript, when that is missing, as it is in a bundle's CommonJS
 * wrapper. In the bundle sha.js is therefore node:crypto's `createHash`, as it is for the same code
 * run unbundled: measured on the benchmark's mutation, sha.js was about 1.3% of the gateway's CPU,
 * and some 100 µs of a 27 KB query.
 */
const nodeHashes: Plugin = {
  name: "sha.js-as-node-crypto",
  setup(build) {
    build.onResolve({ filter: /^sha\.js$/ }, () => ({ path: "sha.js", namespace: "node-hashes" }));
    build.onLoad({ filter: /.*/, namespace: "node-hashes" }, () => ({
      contents: "const { createHash } = require('node:crypto'); module.exports = (kind) => createHash(kind);",
      loader: "js",
    }));
  },
};

/** The CSV import as one file that node runs directly (the package's `oms-graph-import` bin), so
 * that signals sent to its process reach the import itself. */
export function importBundleOptions(outfile: string): BuildOptions {
  return bundleOptions(outfile, "src/import/main.ts");
}

/** The standalone OMS simulator (`npm run oms:simulator`) as one file: the image's simulator target and
 * the local cluster run it. */
export function simulatorBundleOptions(outfile: string): BuildOptions {
  return bundleOptions(outfile, "src/simulator/main.ts");
}

/** Every bundle with its source map into `root`/dist, as `npm run bundle` (and so `npm run build`) makes them. */
export async function bundleAll(root = "."): Promise<void> {
  await Promise.all([
    build({ ...bundleOptions(join(root, "dist/oms-graph.mjs")), sourcemap: true }),
    build({ ...importBundleOptions(join(root, IMPORT_BUNDLE)), sourcemap: true }),
    build({ ...simulatorBundleOptions(join(root, SIMULATOR_BUNDLE)), sourcemap: true }),
  ]);
  await chmod(join(root, IMPORT_BUNDLE), 0o755);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundleAll();
}
