"""The ``course`` command's entry point: ``course check`` starts without loading the instructor tools.

``course check NOTEBOOK`` is what students run, again and again, on a 1-CPU pod. Importing
``course.cli`` loads nbgrader, its database layer and every instructor command (seconds on
one CPU) that a self-check never uses; so the check starts from here with only what it
needs, and every other command goes to ``course.cli`` unchanged.
"""

from __future__ import annotations

import sys
import traceback
import warnings


def _light_imports() -> None:
    # jsonschema (under nbformat) builds an IRI grammar at import when rfc3987_syntax is
    # installed: about 2 s on one CPU, for a format no notebook schema uses. Not in this process.
    sys.modules.setdefault("rfc3987_syntax", None)


def check_main(args: list[str]) -> None:
    """``course check [--debug] NOTEBOOK``: the learner's self-check, with the CLI's one-line errors."""
    import click

    from course.errors import CourseError

    warnings.filterwarnings("ignore")
    debug = "--debug" in args
    try:
        from course.grading.selfcheck import command

        command.main(args=[a for a in args if a != "--debug"], prog_name="course check", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except CourseError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours, not bad input: still one line unless --debug
        if debug:
            traceback.print_exc()
        click.echo(f"error: unexpected {type(exc).__name__}: {exc}. Run again with --debug for the traceback, and report it.",
                   err=True)
        sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """``course ...``: ``check`` here, everything else in ``course.cli``."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["check"]:
        _light_imports()
        check_main(args[1:])
        return
    from course.cli import main as full

    full(argv)
