"""Tools for self-learners: check() and hint() in a notebook, and `course check` for a local grade.

In a lab's setup cell::

    from course.learn import check, hint

then ``check("q1")`` after answering question 1, and ``hint("q1")`` when stuck.
"""

from course.learn.coach import check, hint, use

__all__ = ["check", "hint", "use"]
