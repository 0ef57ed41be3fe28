"""The ``minzheng`` console command: Django's management commands plus the project's own.

``minzheng migrate``, ``minzheng import FEED FILE``, ``minzheng audit verify`` … all pass here.
"""

import os
import sys


def main() -> None:
    """Run a management command named on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minzheng", *sys.argv[1:]])


if __name__ == "__main__":
    main()
