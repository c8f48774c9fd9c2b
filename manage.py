#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if sys.argv[1:2] == ["dev"]:
        # The development runner (apps/core/management/commands/dev.py) always runs with DEBUG on;
        # everything else gets the settings' default, which is production.
        os.environ["DJANGO_DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
