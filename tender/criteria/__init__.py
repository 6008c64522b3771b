"""Criteria files: TOML descriptions of a tender, loaded into validated, immutable objects."""

from tender.criteria.loader import CriteriaError, load_criteria, load_criteria_text
from tender.criteria.spec import CriteriaFile

__all__ = ["CriteriaError", "CriteriaFile", "load_criteria", "load_criteria_text"]
