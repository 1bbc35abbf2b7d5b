"""Differential testing of pyspec against the extracted executable specification.

Everything here works on the JSON values of docs/protocol.md (plain lists,
dicts, ints and strings): that is the one representation both oracles share,
and what findings and test vectors store.
"""
