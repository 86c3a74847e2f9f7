"""The lowest layer: settings, the input contract, indicator codes, French formats, warehouse and
file access. It imports nothing of the project outside ``pipelines.core`` (tests/test_architecture.py),
so every other module can depend on it and nothing here depends on them (CONTRIBUTING.md).
"""
