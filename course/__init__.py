"""Social Design Lab: shared data, plots, explorers and the instructor tools of the seminar."""

from course.errors import CourseError

__all__ = ["CourseError"]
__version__ = "0.1.0"
