"""Utilities: ranked accuracy, CLI helpers, report writing."""
