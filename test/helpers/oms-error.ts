import { expect } from "vitest";
import { OmsError } from "../../src/domain/errors.js";

/** The OmsError a call fails with; fails the test if it succeeds or fails with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<OmsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OmsError);
    return error as OmsError;
  }
  throw new Error("expected the call to fail");
}
