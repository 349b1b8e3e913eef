import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // graphql ships both .mjs and .js; dependencies load the .js build, so the tests must too, or
    // graphql-js sees two copies of its classes ("another module or realm").
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});
