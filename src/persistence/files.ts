/**
 * Small synchronous file helpers shared by the RDB and AOF writers.
 * @module
 */

/** Writes all of `data`, however many calls the file takes for it. */
export function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += file.writeSync(data.subarray(offset));
}

/** Removes a file if it is there. */
export function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* never created, or gone */ }
}

/** An error's message, for log lines and replies. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
