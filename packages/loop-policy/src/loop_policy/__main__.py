"""``python -m loop_policy script.py [args]``: see loop_policy._cli."""

from loop_policy._cli import main

if __name__ == "__main__":
    main()
