"""Shared settings for the benches: one group per workload, peers side by side."""

from __future__ import annotations
