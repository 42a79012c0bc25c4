"""``python -m kansrijk.ingest``: ingest the configured landing folder (see kansrijk.ingest)."""

import sys

from kansrijk.ingest import main

sys.exit(main())
