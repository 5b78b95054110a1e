/**
 * The per-command latency histogram keeps Redis's HDR bucket edges (two significant digits), so
 * INFO latencystats prints what redis-server prints for the same latencies.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { LatencyHistogram } from "../src/commands/latency_histogram.ts";

Deno.test("latency histogram: percentiles are the top edge of Redis's buckets", () => {
  // Values redis-server 7.0.15 reported in INFO latencystats for single calls of these lengths.
  for (const [usec, shown] of [[7, 7007], [8, 8031], [4, 4015], [10, 10047], [0.2, 200]]) {
    const histogram = new LatencyHistogram();
    histogram.record(usec);
    assertEquals(histogram.valueAtPercentile(50), shown, `${usec} µs`);
  }
  const histogram = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) histogram.record(i);
  assertEquals(histogram.total, 100);
  assertEquals(histogram.valueAtPercentile(50), 50175);
  assertEquals(histogram.valueAtPercentile(99), 99327);
  assertEquals(histogram.valueAtPercentile(100), 100351);
});

Deno.test("latency histogram: LATENCY HISTOGRAM rows are cumulative at power-of-two edges", () => {
  const histogram = new LatencyHistogram();
  // DEBUG SLEEP 0.02, 0.03 and 0.05 in redis-server gave rows 33816 → 2 and 67633 → 3.
  for (const usec of [20_000, 30_000, 50_000]) histogram.record(usec);
  assertEquals(histogram.cumulativeRows(), [[33816, 2], [67633, 3]]);
  const fast = new LatencyHistogram();
  fast.record(4); // GET: Redis shows 4 → 1
  assertEquals(fast.cumulativeRows(), [[4, 1]]);
  fast.record(1e7); // ten seconds count in the top bucket (1 s)
  assertEquals(fast.total, 2);
});
