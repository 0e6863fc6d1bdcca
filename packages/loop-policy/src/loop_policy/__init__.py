"""loop-policy: event loop policy, run() and the python -m loop_policy runner.

(Work in progress; see the package README.)
"""

__all__: list[str] = []
__version__ = "0.1.0"
