"""Compatibility layers for users of other customer-lifetime-value libraries.

:mod:`pyclv.compat.lifetimes` offers lifetimes' fitters and utilities, with lifetimes' names, signatures and
semantics, computed by pyclv's models: switching is a change of import.
"""
