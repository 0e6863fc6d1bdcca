"""loop-all: a distribution that installs every piece of loop and adds no
code of its own. ``import loop_all`` only names what it pulled in."""

__all__ = ["DISTRIBUTIONS"]

#: What ``pip install loop-all`` installs, besides itself.
DISTRIBUTIONS = (
    "loop-core",
    "loop-transports",
    "loop-subprocess",
    "loop-policy",
    "loop-streams",
    "loop-observe",
)

__version__ = "0.2.0"
