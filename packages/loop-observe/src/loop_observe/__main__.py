"""``python -m loop_observe``: see loop_observe._cli."""

from loop_observe._cli import main

if __name__ == "__main__":
    main()
