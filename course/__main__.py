"""python -m course: the instructor CLI."""

from course.cli import main

main()
