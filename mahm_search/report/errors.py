"""Errors the report commands raise for the user (the CLI prints them and exits with status 2)."""

from __future__ import annotations

from ..errors import MahmError


class EmptyStudyError(MahmError):
    """The study has nothing to plot or report yet (no finished trial, no running trial with a score)."""
