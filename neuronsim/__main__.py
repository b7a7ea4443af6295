"""``python -m neuronsim``: the command line (see :mod:`neuronsim.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
