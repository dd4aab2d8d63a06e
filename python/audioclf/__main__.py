"""``python -m audioclf``: the command line."""

from audioclf.cli.main import main

raise SystemExit(main())
