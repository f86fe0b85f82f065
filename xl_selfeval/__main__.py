"""Entry point for ``python -m xl_selfeval``."""

from xl_selfeval.cli import main

raise SystemExit(main())
