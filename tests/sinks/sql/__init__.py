"""Tests of the SQL sink."""
