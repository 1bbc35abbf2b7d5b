"""The scope of a campaign: the generator's one `Scope` (`pyspec.generate.scope`),
named here too because findings, summaries and commands speak of it."""

from pyspec.generate.scope import DEFAULT_SCOPE, SMALL_SCOPE, Scope

__all__ = ["DEFAULT_SCOPE", "SMALL_SCOPE", "Scope"]
