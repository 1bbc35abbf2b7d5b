"""Differential testing of pyspec against the extracted executable specification.

Everything here works on the JSON values of docs/protocol.md (plain lists,
dicts, ints and strings): that is the one representation both oracles share,
and what findings and test vectors store.

Modules: `scope` (sizes: the generator's Scope), `states` (initial states from
the one generator, `pyspec.generate`, with their JSON), `gen` (exhaustive action
sets), `pyspec_oracle` and
`driver_pipe` (the two oracles), `engine` (per-step checks), `pairs` (OS
isolation by paired runs), `shrink`, `findings`, `campaign` (workers),
`coverage` (obligation groups; `decisions`: MC/DC of the preconditions,
`shapes`: state shapes), `corpus` (guidance: corpus store, derivation
operators, bias weights), `guidance` (which corpus each batch derives from,
which sequences join it), `regression` (the replay of the corpus and earlier
findings before exploring), `progress`, `report` (summary.json, report.html), `vectors` and
`coqterm` (test vectors and their Coq Examples), `negative` (near-invalid
states: both valid_state implementations must reject them alike), `mutants`,
`mutation` and `pinned` (seeded faults, checked on sequences drawn by the
unmutated generator), `cache` (the cache/TLB variant: run_cache agreement,
coherence, paired runs on cache observations).  Commands: `vcert diff`, `replay`, `vectors`, `mutate`.
"""
