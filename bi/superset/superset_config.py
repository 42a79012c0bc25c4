"""Superset configuration for the kansrijk serving copy (read by Superset itself, in its own env).

kansrijk.bi starts Superset with SUPERSET_CONFIG_PATH pointing here and KANSRIJK_BI_STATE at the
state folder (``<data dir>/bi/superset``): the metadata database, the secret key and the admin
password live there, nothing in the repository.
"""

import os

_STATE = os.environ["KANSRIJK_BI_STATE"]

with open(os.path.join(_STATE, "secret_key"), encoding="utf-8") as _fh:
    SECRET_KEY = _fh.read().strip()

SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(_STATE, "superset.db")
DATA_DIR = _STATE
# Local, offline use on 127.0.0.1 (Talisman's Content-Security-Policy is meant for a public server).
TALISMAN_ENABLED = False
