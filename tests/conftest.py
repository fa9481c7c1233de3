"""Test-suite settings: hypothesis runs derandomised, so every run explores the same examples."""

from hypothesis import settings

settings.register_profile("pyclv", derandomize=True, print_blob=True)
settings.load_profile("pyclv")
