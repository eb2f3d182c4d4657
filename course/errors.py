"""Errors raised by the course package: one line, in the reader's terms, ending with what to do."""


class CourseError(Exception):
    """Base class for every error the course package raises on purpose.

    The CLI prints the message alone (no traceback) and exits with status 1.
    """


class DatasetError(CourseError):
    """A shipped data set is missing, altered, or does not match its schema."""


class DatasetNotFound(DatasetError):
    """No data set has the requested name."""


class ManifestError(CourseError):
    """An assignment manifest in assignments/ is missing or invalid."""


class AssignmentNotFound(ManifestError):
    """No manifest exists for the requested assignment id."""


class RosterError(CourseError):
    """The class roster is missing or invalid (for example a duplicate student id)."""


class NotebookError(CourseError):
    """A notebook cannot be read, or breaks the course's notebook conventions."""


class ReleaseError(CourseError):
    """release/ does not match what nbgrader generates, or leaks solutions."""


class ValidationError(CourseError):
    """An assignment's tests are not real: the solution loses points or the blank notebook earns some."""


class GradingError(CourseError):
    """nbgrader failed in a way that stops the whole batch (not one student's submission)."""
