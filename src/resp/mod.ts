/**
 * RESP, the Redis serialization protocol: request decoding and reply encoding. Knows nothing of
 * commands or the store.
 * @module
 */
export * from "./decoder.ts";
export * from "./encoder.ts";
export * from "./inline.ts";
export * from "./latin1.ts";
export * from "./number_format.ts";
