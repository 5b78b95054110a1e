/**
 * A Redis hash: fields and values as latin1 strings in one `Map`.
 *
 * The Map is the storage whatever the encoding; the encoding is what OBJECT ENCODING reports
 * and decides how commands that expose order behave. Like Redis, a hash starts `listpack` and
 * becomes `hashtable` for good once it holds more than `hashMaxListpackEntries` fields or any
 * field or value longer than `hashMaxListpackValue` bytes. A listpack keeps fields in insertion
 * order (a changed value keeps its place), which is exactly the Map's order, so replies of
 * small hashes match Redis byte for byte.
 *
 * @example
 * ```ts
 * const hash = new HashValue();
 * hash.set("name", "redeno", defaultEncodingLimits()); // true: a new field
 * hash.get("name"); // "redeno"
 * hash.encoding(); // "listpack"
 * ```
 * @module
 */
import { RandomPicker } from "./random_pick.ts";
import { ScanCursors } from "./scan.ts";
import type { CollectionValue, EncodingLimits } from "./values.ts";

export class HashValue implements CollectionValue {
  #fields: Map<string, string>;
  #listpack: boolean;
  /** Made on first use: most hashes are never scanned or sampled. */
  #cursors: ScanCursors | null = null;
  #picker: RandomPicker | null = null;

  constructor(fields: Map<string, string> = new Map(), listpack = true) {
    this.#fields = fields;
    this.#listpack = listpack;
  }

  get type(): "hash" {
    return "hash";
  }

  encoding(): string {
    return this.#listpack ? "listpack" : "hashtable";
  }

  /** Whether the hash is still listpack-encoded (its order is then Redis's order). */
  get isListpack(): boolean {
    return this.#listpack;
  }

  clone(): HashValue {
    return new HashValue(new Map(this.#fields), this.#listpack);
  }

  get size(): number {
    return this.#fields.size;
  }

  get(field: string): string | undefined {
    return this.#fields.get(field);
  }

  has(field: string): boolean {
    return this.#fields.has(field);
  }

  /**
   * Sets a field, converting to `hashtable` when the field or value is too long for a listpack
   * or the hash grows past its entry limit. Returns whether the field is new.
   */
  set(field: string, value: string, limits: EncodingLimits): boolean {
    if (
      this.#listpack &&
      (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue)
    ) {
      this.#listpack = false;
    }
    const size = this.#fields.size;
    this.#fields.set(field, value);
    const added = this.#fields.size > size;
    if (added && this.#listpack && this.#fields.size > limits.hashMaxListpackEntries) {
      this.#listpack = false;
    }
    return added;
  }

  /** Removes a field; returns whether it was there. */
  delete(field: string): boolean {
    if (!this.#fields.delete(field)) return false;
    this.#cursors?.noteRemoval();
    return true;
  }

  /** Fields in the hash's order. */
  fields(): IterableIterator<string> {
    return this.#fields.keys();
  }

  /** Values in the hash's order. */
  values(): IterableIterator<string> {
    return this.#fields.values();
  }

  /** `[field, value]` pairs in the hash's order. */
  entries(): IterableIterator<[string, string]> {
    return this.#fields.entries();
  }

  /** A field at random; the hash must not be empty. */
  randomField(): string {
    return this.#randomPicker().pick(() => this.#fields.keys(), this.#fields.size);
  }

  /** `count` distinct fields at random, count below the size. */
  randomFields(count: number): string[] {
    return this.#randomPicker().sample(() => this.#fields.keys(), this.#fields.size, count);
  }

  /**
   * One HSCAN step. A listpack hash is returned whole with cursor 0, as Redis does; a
   * hashtable is walked `count` fields at a time, never missing a field present throughout.
   */
  scan(cursor: bigint, count: number, visit: (field: string, value: string) => void): bigint {
    const fields = this.#fields;
    if (this.#listpack) {
      for (const [field, value] of fields) visit(field, value);
      return 0n;
    }
    this.#cursors ??= new ScanCursors();
    return this.#cursors.scan(cursor, count, () => fields.keys(), (field) => {
      visit(field, fields.get(field)!);
    });
  }

  #randomPicker(): RandomPicker {
    return this.#picker ??= new RandomPicker();
  }
}
