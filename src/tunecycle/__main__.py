"""``python -m tunecycle`` runs the command-line interface."""

import sys

from tunecycle.cli.main import main

sys.exit(main())
