/**
 * Keeps this process's event loop busy in `sliceMs` slices with one turn between them (timers and I/O still run,
 * late), until the returned function is called; it resolves once the last slice ended. For overload tests.
 */
export function keepBusy(sliceMs = 40): () => Promise<void> {
  let running = true;
  const done = (async () => {
    while (running) {
      const until = performance.now() + sliceMs;
      while (performance.now() < until);
      await new Promise((r) => setImmediate(r));
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

/** `keepBusy` for `ms`. */
export async function busyFor(ms: number, sliceMs = 40): Promise<void> {
  const stop = keepBusy(sliceMs);
  await new Promise((r) => setTimeout(r, ms));
  await stop();
}
