/**
 * Waits until `check` holds, polling: for a state another part of the system reaches on its own
 * (a command arriving at the OMS, a request finishing), where no event announces it.
 * @param what named in the error when it never holds
 */
export async function until(check: () => boolean, what = "the condition", timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
