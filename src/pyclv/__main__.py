"""``python -m pyclv``: the command line."""

from pyclv.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
