"""`python -m app.cli`: the same as the `orchestrator` script."""

import sys

from app.cli.main import main

sys.exit(main())
