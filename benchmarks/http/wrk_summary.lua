-- Loaded by wrk (-s): prints one machine-readable line after the run, so
-- the driver need not parse wrk's human-oriented report (whose units change
-- with magnitude: us/ms/s, k/M).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-summary {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"connect_errors": %.0f, "read_errors": %.0f, "write_errors": %.0f, ' ..
    '"status_errors": %.0f, "timeouts": %.0f, "latency_p50_us": %.0f, ' ..
    '"latency_p99_us": %.0f, "latency_max_us": %.0f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
