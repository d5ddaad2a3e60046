"""Slow, obvious reference implementations that the kernels are tested against."""
