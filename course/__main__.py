"""python -m course: the instructor CLI."""

from course.launch import main

main()
