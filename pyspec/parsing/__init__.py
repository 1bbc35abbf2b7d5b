"""Parsers for extracted OCaml and for Gallina declarations, and the jobs built on them."""
