"""loop_observe: see inside a running loop-core loop.

- ``stats(loop)``: a snapshot of its metrics; ``watch(loop, interval,
  callback)``: a stream of them, with per-interval rates.
- ``detect_blocking(loop, threshold)``: a watchdog thread that names the
  line a blocked loop is stuck on, while it is stuck.
- ``serve_prometheus(loop)``: the metrics on a small HTTP endpoint;
  ``loop_observe.otel`` for OpenTelemetry.
- ``python -m loop_observe script.py``: an unchanged program on our loop,
  with the detector on and a live view.

Built on loop-core's one observation hook (``loop_core.LoopProbe``):
nothing is counted, and no thread or fd exists, until something here is
called.
"""

from ._detector import BlockingDetector as BlockingDetector
from ._detector import BlockingReport as BlockingReport
from ._detector import detect_blocking as detect_blocking
from ._prometheus import PrometheusServer as PrometheusServer
from ._prometheus import render as render
from ._prometheus import serve_prometheus as serve_prometheus
from ._stats import Rates as Rates
from ._stats import Stats as Stats
from ._stats import Watch as Watch
from ._stats import attach as attach
from ._stats import detach as detach
from ._stats import stats as stats
from ._stats import watch as watch

__all__ = [
    "BlockingDetector",
    "BlockingReport",
    "PrometheusServer",
    "Rates",
    "Stats",
    "Watch",
    "attach",
    "detach",
    "detect_blocking",
    "render",
    "serve_prometheus",
    "stats",
    "watch",
]

__version__ = "0.2.0"
