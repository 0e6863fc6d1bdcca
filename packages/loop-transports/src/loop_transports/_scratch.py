"""The loop's shared receive buffer, under the names the TLS protocol
imports: the buffer itself is loop-core's (``loop_core.scratch_buffer``),
shared with loop-streams. This module goes once the TLS modules import
loop-core's names themselves.
"""

from __future__ import annotations

from loop_core import SCRATCH_SIZE as SCRATCH_SIZE
from loop_core import scratch_buffer as loop_scratch

__all__ = ["SCRATCH_SIZE", "loop_scratch"]
