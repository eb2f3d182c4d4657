"""Interactive explorers for the lessons, one module each: plain functions compute the numbers, widgets only wire controls to them."""

from __future__ import annotations

# ALL, RATES and _JAPANESE are not in __all__, but were importable from course.explore before it was split
from course.explore.capacity import (
    ALLOCATIONS,
    RATES,  # noqa: F401
    CapacityExplorer,
    CapacitySummary,
    capacity_summary,
    draw_capacity,
    explore_capacity,
)
from course.explore.front_desk import (
    _JAPANESE,  # noqa: F401  (tests/unit/test_front_desk.py reads it)
    FaqIndex,
    FrontDeskExplorer,
    FrontDeskReply,
    draw_front_desk,
    explore_front_desk,
    faq_documents,
    front_desk_reply,
)
from course.explore.generation import (
    GenerationExplorer,
    GenerationSummary,
    draw_generation,
    explore_generation,
    generation_summary,
)
from course.explore.npv import NPV_DEFAULTS, NPVSimulator, NPVSummary, draw_npv, explore_npv, npv_summary
from course.explore.service_desk import (
    ALL,  # noqa: F401
    METRICS,
    ExplorerSummary,
    ServiceDeskExplorer,
    draw_summary,
    explore_service_desk,
    explorer_summary,
)
from course.explore.venture import (
    VENTURE_DEFAULTS,
    VentureSimulator,
    VentureSummary,
    draw_venture,
    explore_venture,
    venture_summary,
)
from course.privacy import is_my_number, my_number_check_digit, redact_personal_data

__all__ = [
    "ALLOCATIONS",
    "METRICS",
    "CapacityExplorer",
    "CapacitySummary",
    "ExplorerSummary",
    "ServiceDeskExplorer",
    "capacity_summary",
    "draw_capacity",
    "draw_summary",
    "explore_capacity",
    "explore_service_desk",
    "explorer_summary",
    "NPV_DEFAULTS", "NPVSimulator", "NPVSummary", "draw_npv", "explore_npv", "npv_summary",
    "VENTURE_DEFAULTS", "VentureSimulator", "VentureSummary", "draw_venture", "explore_venture", "venture_summary",
    "GenerationExplorer", "GenerationSummary", "draw_generation", "explore_generation", "generation_summary",
    "FaqIndex", "FrontDeskExplorer", "FrontDeskReply", "draw_front_desk", "explore_front_desk",
    "faq_documents", "front_desk_reply", "is_my_number", "my_number_check_digit", "redact_personal_data",
]
