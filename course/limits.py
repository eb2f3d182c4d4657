"""The limits on one notebook run, and the one rule that derives them from the configuration and a manifest.

Grading (``course grade``), ``course check`` and ``course validate`` all call
:meth:`Limits.for_manifest`, so the three never disagree:

1. start from the defaults below;
2. apply the instructor's ``nbgrader_config.py`` (``c.SandboxedExecute.<name> = ...``);
3. the manifest's ``timeout`` is the time for any one cell (``cell_seconds``);
4. the manifest's ``limits:`` mapping overrides any other limit for that assignment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from course.errors import CourseError

if TYPE_CHECKING:
    from course.manifest import Manifest


@dataclass(frozen=True)
class Limits:
    """Limits on one run of one notebook (a student's run, or the test run)."""

    wall_seconds: int = 300  # the whole notebook, start-up included
    cell_seconds: int = 60  # any one cell: the manifest's `timeout`
    cpu_seconds: int = 300  # CPU time of each process
    memory_mb: int = 4096  # address space of each process (RLIMIT_AS); pandas needs headroom here
    processes: int = 128  # processes and threads (pids cgroup as root, RLIMIT_NPROC otherwise)
    output_mb: int = 20  # any file written, and the notebook's outputs in all

    @classmethod
    def fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def merged(self, overrides: Mapping[str, Any] | None, where: str = "sandbox limit") -> "Limits":
        """These limits with ``overrides`` applied; an unknown key or a value that is not a positive integer is an error."""
        if not overrides:
            return self
        unknown = sorted(set(overrides) - set(self.fields()))
        if unknown:
            raise CourseError(f"unknown {where} {unknown[0]!r}: use one of {', '.join(self.fields())}.")
        for key, value in overrides.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise CourseError(f"{where} {key} must be a positive whole number, not {value!r}.")
        return dataclasses.replace(self, **dict(overrides))

    @classmethod
    def configured(cls, configured: Mapping[str, Any] | None = None) -> "Limits":
        """The defaults with the limits set in ``nbgrader_config.py`` applied (steps 1 and 2 of the rule)."""
        return cls().merged(configured, "configured limit (c.SandboxedExecute)")

    @classmethod
    def for_manifest(cls, manifest: "Manifest", configured: Mapping[str, Any] | None = None) -> "Limits":
        """The limits for grading ``manifest``'s notebooks (the rule in the module docstring).

        Args:
            manifest: the assignment; its ``timeout`` is the time per cell, its ``limits`` override the rest.
            configured: limits set in ``nbgrader_config.py`` (see ``course.grading.workspace.configured_limits``).
        """
        return dataclasses.replace(cls.configured(configured), cell_seconds=manifest.timeout).merged(manifest.limits)

    @property
    def worker_memory_mb(self) -> int:
        """What one grading worker may use: its two pre-loaded runs (the student's and the test run), each up to ``memory_mb``."""
        return 2 * self.memory_mb

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)
