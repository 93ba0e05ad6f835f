"""Moved to support/study_factory.py. This alias remains only for test_report_provenance.py, which still
imports `study_factory`; delete it once that file imports `support.study_factory`."""

from support.study_factory import WIDTHS, make_study  # noqa: F401
