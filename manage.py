#!/usr/bin/env python
import os
import sys

# Commands that never touch the database: they run without starting the embedded server.
NO_DATABASE_COMMANDS = {
    "help",
    "version",
    "check",
    "collectstatic",
    "findstatic",
    "compilemessages",
    "makemessages",
    "startapp",
    "startproject",
    "diffsettings",
    "spectacular",
}


def needs_database(argv: list[str]) -> bool:
    command = argv[1] if len(argv) > 1 else "help"
    if command.startswith("-") or command in NO_DATABASE_COMMANDS:
        return command == "check" and any(arg.startswith("--database") for arg in argv)
    return True


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    if needs_database(sys.argv):
        # Importing the settings starts nothing: on the embedded default, start PostgreSQL here (ADR 0023).
        from config.embedded_postgres import ensure_embedded_database

        ensure_embedded_database()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
