"""Reads for the approvals pages."""
