"""Straightforward peer implementations the benches compare against."""
