"""Development settings: portal.settings with DEBUG on, whatever the environment or .env says.

pytest (pyproject.toml) and mypy's Django plugin load this module, so that neither needs a SECRET_KEY;
pytest-django still runs every test with DEBUG off. A server started with portal.settings is production.
"""

import os

os.environ["DJANGO_DEBUG"] = "true"  # before the import below reads it; inherited by worker subprocesses

from portal.settings import *  # noqa: E402, F403
