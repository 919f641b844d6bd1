"""Fixtures of verification tests live in the root conftest.py (shared with e2e/)."""
