"""The cache/TLB variant (CSF 2012; coq/CacheModel.v, coq/CacheStep.v; MODEL.md 7).

* ``model``: the data types (``CacheConfig``, ``CState``, ``AccessObs``, ``CResult``);
* ``codec``: their JSON form (docs/protocol.md);
* ``step``: ``cstep`` and ``ctrace``, written from the Coq definitions;
* ``coherence``: ``cache_coherent`` (coq/CacheCoherence.v), the caches agree
  with the base state;
* ``isolation``: a guest's ``cache_view`` and ``os_cequiv`` (coq/CacheView.v).
"""
