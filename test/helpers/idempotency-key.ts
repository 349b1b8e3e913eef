import { randomUUID } from "node:crypto";

/** A fresh Idempotency-Key, so that no test replays another's answer from the shared store. */
export const newKey = () => `key-${randomUUID()}`;
