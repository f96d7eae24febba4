"""Page-view categories of Canvas analytics (behaviour §3.3), from the Rails controller name."""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["CATEGORIES", "CONTROLLER_CATEGORIES", "page_view_category"]

_BY_CONTROLLER: dict[str, str] = {
    "announcements": "announcements",
    "assignments": "assignments",
    "submissions": "assignments",
    "assignment_groups": "assignments",
    "collaborations": "collaborations",
    "conferences": "conferences",
    "discussion_topics": "discussions",
    "discussion_entries": "discussions",
    "files": "files",
    "folders": "files",
    "courses": "general",
    "gradebooks": "grades",
    "gradebook2": "grades",
    "grading_standards": "grades",
    "gradebook_uploads": "grades",
    "groups": "groups",
    "context_modules": "modules",
    "wiki_pages": "pages",
    "wiki_page_revisions": "pages",
    "quizzes": "quizzes",
    "quizzes/quizzes": "quizzes",
    "quizzes/quizzes_api": "quizzes",
    "question_banks": "quizzes",
    "quiz_questions": "quizzes",
    "quizzes/quiz_questions": "quizzes",
}

# Read-only: the lower-cased controller names that have a category (any other one is `other`).
CONTROLLER_CATEGORIES = MappingProxyType(_BY_CONTROLLER)

# All 13 categories, alphabetical (the documented dialect lists every one, 0 when empty).
CATEGORIES: tuple[str, ...] = tuple(sorted({*_BY_CONTROLLER.values(), "other"}))
assert len(CATEGORIES) == 13

_cache: dict[str | None, str] = {}


def page_view_category(controller: str | None) -> str:
    """The category of a controller name, case-insensitive; unknown or missing → ``other``."""
    hit = _cache.get(controller)
    if hit is None:
        hit = "other" if not controller else _BY_CONTROLLER.get(controller.strip().lower(), "other")
        if len(_cache) < 10_000:
            _cache[controller] = hit
    return hit
