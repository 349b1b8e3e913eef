/** class-validator's rule lookups, memoised per class (src/graphql/validate-input.ts). */
import { getMetadataStorage, IsInt, Length, Matches, validateSync } from "class-validator";
import { describe, expect, it } from "vitest";
import { memoiseRuleLookups } from "../src/graphql/validate-input.js";

const problems = (object: object) =>
  validateSync(object)
    .flatMap((error) => Object.keys(error.constraints ?? {}).map((name) => `${error.property}:${name}`))
    .sort();

describe("memoised rule lookups", () => {
  it("are in place once the validation module is loaded, and installing them again changes nothing", () => {
    const storage = getMetadataStorage();
    const lookUp = storage.getTargetValidationMetadatas;
    memoiseRuleLookups();
    expect(storage.getTargetValidationMetadatas).toBe(lookUp);
  });

  it("give the same rules on every call, and the same answers as a first validation", () => {
    class Parcel {
      @Length(1, 3) code = "";
      @Matches(/^[A-Z]+$/) carrier = "";
    }
    const bad = Object.assign(new Parcel(), { code: "LONGER", carrier: "aras" });
    const good = Object.assign(new Parcel(), { code: "AB", carrier: "ARAS" });
    const first = problems(bad);
    expect(first).toEqual(["carrier:matches", "code:isLength"]);
    for (let i = 0; i < 3; i++) {
      expect(problems(bad)).toEqual(first);
      expect(problems(good)).toEqual([]);
    }
  });

  it("follow a rule registered after the class was first validated", () => {
    class Label {
      @Length(1, 10) name = "";
      size: unknown = 1;
    }
    const label = Object.assign(new Label(), { name: "A4", size: "large" });
    expect(problems(label)).toEqual([]);
    IsInt()(Label.prototype, "size");
    expect(problems(label)).toEqual(["size:isInt"]);
  });

  it("leave validations with groups to class-validator itself", () => {
    class Grouped {
      @Length(1, 2, { groups: ["strict"] }) value = "long";
    }
    const object = new Grouped();
    expect(validateSync(object, { groups: ["strict"] }).map((e) => e.property)).toEqual(["value"]);
    expect(validateSync(object, { groups: ["other"], forbidUnknownValues: false })).toEqual([]);
  });
});
