"""``python -m kansrijk.demo --out DIR ...``: write a demo landing set (see kansrijk.demo)."""

import sys

from kansrijk.demo import main

sys.exit(main())
