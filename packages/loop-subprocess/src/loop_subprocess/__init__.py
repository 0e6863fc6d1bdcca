"""loop-subprocess: subprocesses and pipes with thread-free child reaping.

(Work in progress; see the package README.)
"""

__all__: list[str] = []
__version__ = "0.1.0"
