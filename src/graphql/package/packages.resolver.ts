import { GraphQLError } from "graphql";
import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { MAX_PAGE_SIZE, UnsupportedFilterError } from "../../domain/package-list.js";
import { readWindow } from "../../domain/package-window.js";
import type { GatewayContext } from "../context.js";
import { CursorCodec } from "./cursor.js";
import { Package } from "./package.type.js";
import { PackageConnection, PackageEdge, PageInfo } from "./package-connection.type.js";
import { badFilter, PackageFilter, toDomainFilter } from "./package-filter.input.js";

const DEFAULT_FIRST = 20;

@Resolver(() => PackageConnection)
export class PackagesResolver {
  @Query(() => PackageConnection, {
    description: `Packages as the OMS lists them, newest first unless the OMS orders otherwise. first: 0 to ${MAX_PAGE_SIZE} (0: only totalCount); after: the endCursor of the page before.`,
  })
  async packages(
    @Arg("filter", () => PackageFilter, { nullable: true }) filter: PackageFilter | null,
    @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_FIRST }) given: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<PackageConnection> {
    const first = given ?? DEFAULT_FIRST;
    if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
      throw new GraphQLError(`first must be from 0 to ${MAX_PAGE_SIZE}, got ${first}.`, {
        extensions: { code: "BAD_USER_INPUT", argumentName: "first" },
      });
    }
    const domainFilter = toDomainFilter(filter);
    const cursors = new CursorCodec(domainFilter);
    const offset = after == null ? 0 : cursors.decode(after) + 1;
    let window: Awaited<ReturnType<typeof readWindow>>;
    try {
      window = await readWindow(
        (request) => ctx.app.oms.listPackages(request, ctx.callOptions),
        domainFilter,
        offset,
        first,
      );
    } catch (error) {
      if (error instanceof UnsupportedFilterError) throw badFilter(error.field, error.message);
      throw error;
    }
    // Later reads of these packages in the same request (a nested field, an alias) are answered from the list.
    ctx.primePackages(window.packages);
    const edges = window.packages.map((record, i) =>
      Object.assign(new PackageEdge(), { cursor: cursors.encode(offset + i), node: Package.from(record) }),
    );
    return Object.assign(new PackageConnection(), {
      edges,
      pageInfo: Object.assign(new PageInfo(), {
        hasNextPage: offset + edges.length < window.count,
        endCursor: edges.at(-1)?.cursor ?? null,
      }),
      totalCount: window.count,
    });
  }
}
