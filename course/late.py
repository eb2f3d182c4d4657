"""Late work: the penalty an assignment's manifest declares, applied by nbgrader's AssignLatePenalties step."""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, Integer


class ManifestLatePenalty(LateSubmissionPlugin):
    """Take ``per_day`` percent of the earned score off for each started day late; zero after ``max_days``.

    Set from the manifest's ``late_policy: {per_day: 10, max_days: 5}``; with no policy, late
    work is graded in full and its lateness is reported.
    """

    per_day = Float(0.0, help="Percent of the earned score taken off per started day late.").tag(config=True)
    max_days = Integer(0, help="Days late after which the score is zero (0: no limit).").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        if total_seconds_late <= 0 or (self.per_day <= 0 and self.max_days <= 0):
            return None
        days = math.ceil(total_seconds_late / 86400)
        if self.max_days and days > self.max_days:
            return score
        return round(min(score, score * self.per_day / 100 * days), 4)


def penalty(per_day: float, max_days: int, score: float, seconds_late: float) -> float:
    """The same rule as a plain function (for reports and tests)."""
    plugin = ManifestLatePenalty(per_day=per_day, max_days=max_days)
    return plugin.late_submission_penalty("", score, seconds_late) or 0.0
