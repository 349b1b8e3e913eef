import { Field, Int, ObjectType } from "type-graphql";
import { Package } from "./package.type.js";

@ObjectType("PackageEdge", { simpleResolvers: true, description: "A package and its place in the list." })
export class PackageEdge {
  @Field(() => String, { description: "Opaque: pass it as `after` to continue after this package." })
  cursor!: string;

  @Field(() => Package)
  node!: Package;
}

@ObjectType("PageInfo", { simpleResolvers: true, description: "Where a page of a list ends." })
export class PageInfo {
  @Field(() => Boolean, { description: "True when more items follow this page." })
  hasNextPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The last edge's cursor; null when the page is empty.",
  })
  endCursor!: string | null;
}

@ObjectType("PackageConnection", { simpleResolvers: true, description: "A page of the package list." })
export class PackageConnection {
  @Field(() => [PackageEdge])
  edges!: PackageEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "The OMS's count of all packages matching the filter." })
  totalCount!: number;
}
