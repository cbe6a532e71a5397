/** Wait until `predicate()` holds, polling on the event loop; fails after `limitMs` so a broken test cannot hang. */
export async function waitFor(predicate: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
