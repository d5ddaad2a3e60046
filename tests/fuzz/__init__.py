"""Coverage-guided fuzz harnesses (atheris); run by hand, see each module's docstring."""
