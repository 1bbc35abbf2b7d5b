"""Subcommands of `vcert`, one module each."""
