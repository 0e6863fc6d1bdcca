"""loop-streams: Fast asyncio-compatible streams on loop-core and loop-transports.

(Work in progress; see the package README.)
"""

__all__: list[str] = []
__version__ = "0.1.0"
