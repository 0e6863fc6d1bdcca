"""OpenTelemetry: the loop's metrics, read by the SDK's in-memory reader."""

import asyncio

import loop_core
import pytest

pytest.importorskip("opentelemetry.sdk.metrics")

from loop_observe import otel  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402

pytestmark = pytest.mark.timeout(30)


def collect(reader):
    """{instrument name: (value, attributes)} of one collection."""
    values = {}
    for resource in reader.get_metrics_data().resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                (point,) = metric.data.data_points
                values[metric.name] = (point.value, dict(point.attributes))
    return values


@pytest.mark.ours_only
def test_instruments_report_the_loop_metrics():
    loop = loop_core.new_event_loop()
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    try:
        instruments = otel.instrument(
            loop, provider, interval=0.01, attributes={"loop": "main"}
        )
        first = instruments.latest

        async def main():
            while instruments.latest is first:  # until the loop refreshed it
                await asyncio.sleep(0.005)

        loop.run_until_complete(main())
        latest = instruments.latest
        values = collect(reader)
        instruments.close()
    finally:
        provider.shutdown()
        loop.close()
    assert values["loop.iterations"] == (latest.iterations, {"loop": "main"})
    assert latest.iterations > first.iterations
    assert values["loop.callbacks"][0] == latest.callbacks > 0
    assert values["loop.tasks"][0] == 1  # main, still running at the refresh
    assert 0 < values["loop.busy_ratio"][0] < 1
    names = {"loop.lag.p50", "loop.lag.p99", "loop.lag.max", "loop.fds"}
    assert names <= set(values)


def test_a_foreign_loop_is_refused():
    loop = asyncio.new_event_loop()
    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    try:
        if isinstance(loop, loop_core.EventLoop):
            pytest.skip("the default loop here is ours")
        with pytest.raises(TypeError):
            otel.instrument(loop, provider)
    finally:
        provider.shutdown()
        loop.close()
