"""``python -m kmipd``: the command-line tool."""

from kmipd.cli import main

raise SystemExit(main())
