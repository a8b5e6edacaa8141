"""Models that only the tests need.

Each app's tests add their models in a module of their own, imported here.
"""
