"""`python -m zielcockpit.cli`: the same as the `zielcockpit` command."""

from zielcockpit.cli import main

raise SystemExit(main())
