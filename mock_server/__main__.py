"""`python -m mock_server` does what `vidu-mock` does."""

import sys

from mock_server.cli import main

sys.exit(main())
