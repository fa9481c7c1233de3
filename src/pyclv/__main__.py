"""``python -m pyclv``: the command line."""

from pyclv.cli import main

raise SystemExit(main())
