"""pyspec's cstep (pyspec/cache/step.py) on hand-written cases from MODEL.md
section 7 and coq/CacheStep.v: where accesses are served from, FIFO eviction,
alias removal, flushes and invalidation; plus the codec, the coherence
checker and the cache view."""

from __future__ import annotations

import pytest

from pyspec.builders import StateBuilder
from pyspec.cache import codec as ccodec
from pyspec.cache.coherence import cache_coherent, incoherences
from pyspec.cache.isolation import CacheView, cache_view, os_cequiv
from pyspec.cache.model import AccessObs, CacheConfig, CState, empty_caches
from pyspec.cache.step import cstep, ctrace
from pyspec.codec import CodecError
from pyspec.model import (
    OK, RW, Chmod, Del, Error, ErrorCode, HC_del, HC_lswitch, HC_new, IntMap, Lswitch, New, Read,
    Read_hyper, Ret_ctrl, Switch, Write,
)

WALK, TLB, HIT = AccessObs.Page_walk, AccessObs.Tlb_hit, AccessObs.Cache_hit


def builder(hcall=None, waiting: bool = False) -> StateBuilder:
    """Guest 1 maps 10 -> ma 1, 11 -> ma 2, 12 -> ma 3 and 13 -> ma 1 (an alias
    of 10); its second page table (pa 5, ma 7) is empty.  Guest 2 maps 10 -> ma 5.
    Address 100 is the hypervisor window, mapped by both to ma 8."""
    b = (StateBuilder(hyp_window=[100])
         .guest(1, hcall=hcall).guest(2)
         .page_table(1, 0, 0, {10: 1, 11: 2, 12: 3, 13: 1, 100: 8})
         .rw_page(1, 1, 1, 7).rw_page(1, 2, 2).rw_page(1, 3, 3, 9)
         .page_table(1, 5, 7, {})
         .page_table(2, 0, 4, {10: 5, 100: 8}).rw_page(2, 1, 5, 1)
         .hyp_page(8, 0).free_page(6))
    return b.waiting(1) if waiting else b.active(1)


def run(cfg: CacheConfig, actions, cs: CState | None = None, b: StateBuilder | None = None):
    ctx, s = (b or builder()).build()
    results = ctrace(cfg, ctx, cs or empty_caches(s), actions)
    return [r.observation for r in results], results[-1].cresult_state, results


def cfg(cache: int = 2, tlb: int = 2, flush: bool = True) -> CacheConfig:
    return CacheConfig(cache, tlb, flush)


def test_first_access_walks_then_hits_the_cache() -> None:
    obs, cs, results = run(cfg(), [Read(10), Read(10)])
    assert obs == [WALK, HIT]
    assert [r.cresponse for r in results] == [OK, OK]
    assert list(cs.cache.items()) == [(10, cs.hv.mem[1])]
    assert cs.cache[10].content == RW(7)
    assert dict(cs.tlb) == {10: 1}


def test_tlb_hit_when_the_cache_keeps_nothing() -> None:
    obs, cs, _ = run(cfg(cache=0, tlb=2), [Read(10), Read(10)])
    assert obs == [WALK, TLB]
    assert len(cs.cache) == 0 and dict(cs.tlb) == {10: 1}


def test_fifo_eviction_drops_the_oldest_insertion_not_the_least_recent_use() -> None:
    # 10 is used again before 12 arrives, but it was inserted first, so it goes.
    obs, cs, _ = run(cfg(cache=2, tlb=2), [Read(10), Read(11), Read(10), Read(12), Read(10)])
    assert obs == [WALK, WALK, HIT, WALK, WALK]
    assert list(cs.cache) == [12, 10] and list(cs.tlb) == [12, 10]


def test_a_larger_tlb_still_translates_an_address_the_cache_evicted() -> None:
    obs, cs, _ = run(cfg(cache=2, tlb=3), [Read(10), Read(11), Read(12), Read(10)])
    assert obs == [WALK, WALK, WALK, TLB]
    assert list(cs.cache) == [12, 10] and list(cs.tlb) == [10, 11, 12]


def test_write_caches_the_new_page_and_drops_aliases_of_the_same_machine_page() -> None:
    obs, cs, _ = run(cfg(cache=3, tlb=3), [Read(13), Read(11), Write(10, 42)])
    assert obs == [WALK, WALK, WALK]
    assert list(cs.cache) == [11, 10]          # 13 aliased ma 1: gone
    assert cs.cache[10].content == RW(42)      # written through, cached after the write
    assert list(cs.tlb) == [13, 11, 10]        # translations stay valid
    assert cache_coherent(cfg(3, 3), builder().context(), cs)


def test_switch_flushes_only_when_configured() -> None:
    acts = [Read(10), Ret_ctrl(), Switch(2)]
    _, flushed, _ = run(cfg(flush=True), acts)
    assert len(flushed.cache) == 0 and len(flushed.tlb) == 0
    _, kept, _ = run(cfg(flush=False), acts)
    assert list(kept.cache) == [10] and dict(kept.tlb) == {10: 1}
    assert kept.hv.active_os == 2
    # Guest 2's table maps 10 elsewhere: the kept entries are stale for it.
    ctx = builder().context()
    assert not cache_coherent(cfg(flush=False), ctx, kept)
    assert any("tlb[10] = 1" in line for line in incoherences(cfg(flush=False), ctx, kept))


def prefilled(b: StateBuilder) -> CState:
    _, s = b.build()
    return CState(s, IntMap({10: s.mem[1], 11: s.mem[2]}), IntMap({10: 1, 11: 2}))


def test_lswitch_of_the_active_guest_flushes_even_without_flush_on_switch() -> None:
    b = builder(hcall=HC_lswitch(5), waiting=True)
    obs, cs, results = run(cfg(flush=False), [Lswitch(1, 5)], prefilled(b), b)
    assert results[0].cresponse == OK and obs == [None]
    assert len(cs.cache) == 0 and len(cs.tlb) == 0


def test_lswitch_of_another_guest_keeps_the_caches() -> None:
    b = builder(waiting=True)
    b.guest(2, hcall=HC_lswitch(0))
    _, cs, results = run(cfg(), [Lswitch(2, 0)], prefilled(b), b)
    assert results[0].cresponse == OK
    assert list(cs.cache) == [10, 11] and list(cs.tlb) == [10, 11]


def test_del_and_new_of_the_active_guest_invalidate_that_address_only() -> None:
    b = builder(hcall=HC_del(10), waiting=True)
    _, cs, results = run(cfg(), [Del(1, 10)], prefilled(b), b)
    assert results[0].cresponse == OK
    assert list(cs.cache) == [11] and list(cs.tlb) == [11]
    b = builder(hcall=HC_new(11, 3), waiting=True)
    _, cs, results = run(cfg(), [New(1, 11, 3)], prefilled(b), b)
    assert results[0].cresponse == OK
    assert list(cs.cache) == [10] and list(cs.tlb) == [10]
    assert cache_coherent(cfg(), b.context(), cs)


def test_del_of_another_guest_keeps_the_caches() -> None:
    b = builder(waiting=True)
    b.guest(2, hcall=HC_del(10))
    _, cs, results = run(cfg(), [Del(2, 10)], prefilled(b), b)
    assert results[0].cresponse == OK
    assert list(cs.cache) == [10, 11]


def test_size_zero_caches_keep_nothing() -> None:
    obs, cs, _ = run(cfg(cache=0, tlb=0), [Read(10), Write(10, 1), Read(10)])
    assert obs == [WALK, WALK, WALK]
    assert len(cs.cache) == 0 and len(cs.tlb) == 0


def test_failed_steps_and_hypervisor_accesses_leave_the_caches_alone() -> None:
    obs, cs, results = run(cfg(), [Read(10), Read(99), Ret_ctrl(), Read_hyper(100)])
    assert obs == [WALK, None, None, None]
    assert results[1].cresponse == Error(ErrorCode.Invalid_vadd)
    assert results[1].cresult_state == results[0].cresult_state
    assert results[3].cresponse == OK
    assert list(cs.cache) == [10] and list(cs.tlb) == [10]


def test_responses_and_base_states_are_those_of_the_base_step() -> None:
    from pyspec.semantics import trace

    ctx, s = builder().build()
    acts = [Read(10), Write(11, 3), Read(99), Ret_ctrl(), Switch(2)]
    base = trace(ctx, s, acts)
    cached = ctrace(cfg(flush=False), ctx, empty_caches(s), acts)
    assert [r.cresponse for r in cached] == [r.response for r in base]
    assert [r.cresult_state.hv for r in cached] == [r.result_state for r in base]


def test_cstep_is_one_step_of_ctrace() -> None:
    ctx, s = builder().build()
    r = cstep(cfg(), ctx, empty_caches(s), Read(12))
    assert r.observation == WALK and r.cresult_state.cache[12].content == RW(9)


# ---- codec ---------------------------------------------------------------------------------


def test_codec_round_trips_and_uses_the_coq_field_names() -> None:
    _, cs, results = run(cfg(), [Read(10), Read(10)])
    data = ccodec.encode(results[1])
    assert set(data) == {"cresponse", "observation", "cresult_state"}
    assert data["observation"] == "Cache_hit"
    assert data["cresult_state"]["tlb"] == [[10, 1]]
    assert ccodec.decode_cresult(data) == results[1]
    assert ccodec.decode_cstate(ccodec.encode(cs)) == cs
    assert ccodec.encode(cfg(3, 1, False)) == {"cache_size": 3, "tlb_size": 1,
                                               "flush_on_switch": False}
    assert ccodec.decode_config(ccodec.encode(cfg(3, 1, False))) == cfg(3, 1, False)


@pytest.mark.parametrize("data, path", [
    ({"cache_size": -1, "tlb_size": 0, "flush_on_switch": True}, "$.cache_size"),
    ({"cache_size": 1, "tlb_size": 0, "flush_on_switch": 1}, "$.flush_on_switch"),
    ({"cache_size": 1, "tlb_size": 0}, "$.flush_on_switch"),
    ({"cache_size": 1, "tlb_size": 0, "flush_on_switch": True, "ways": 2}, "$.ways"),
    ([1, 2, True], "$"),
])
def test_bad_cache_configs_are_refused_with_a_path(data, path: str) -> None:
    with pytest.raises(CodecError) as err:
        ccodec.decode_config(data)
    assert err.value.path == path


def test_bad_cstates_are_refused_with_a_path() -> None:
    _, s = builder().build()
    good = ccodec.encode(empty_caches(s))
    with pytest.raises(CodecError) as err:
        ccodec.decode_cstate({**good, "tlb": [[10, 1], [10, 2]]})
    assert err.value.path == "$.tlb[1][0]"
    with pytest.raises(CodecError) as err:
        ccodec.decode_cstate({**good, "cache": [[10, {"content": "Other"}]]})
    assert err.value.path.startswith("$.cache[0][1]")
    with pytest.raises(CodecError) as err:
        ccodec.decode_observation("Hit")
    assert err.value.path == "$"


# ---- coherence and the cache view -------------------------------------------------------


def test_incoherent_entries_are_named() -> None:
    _, s = builder().build()
    cache = IntMap({10: s.mem[2], 99: s.mem[1], 100: s.mem[8], 12: s.mem[0], 11: s.mem[2]})
    cs = CState(s, cache, IntMap({11: 3}))
    assert incoherences(cfg(cache=1, tlb=2), builder().context(), cs) == [
        "cache[10] differs from mem[1], the page guest 1 maps 10 to",
        "cache holds 99, which guest 1's table does not map",
        "cache holds 100, a hypervisor window address",
        "cache[12] is not an RW page",
        "tlb[11] = 3 but guest 1's table maps 11 to 2",
        "cache has 5 entries, more than cache_size 1",
    ]


def test_cache_view_is_the_active_guests_cached_addresses_in_order() -> None:
    ctx, _ = builder().build()
    _, cs, _ = run(cfg(), [Read(11), Read(10)])
    assert cache_view(1, cs) == CacheView((11, 10), (11, 10))
    assert cache_view(2, cs) is None
    _, other, _ = run(cfg(), [Read(10), Read(11)])
    assert not os_cequiv(ctx, 1, cs, other)      # same addresses, other eviction order
    assert os_cequiv(ctx, 2, cs, other)          # guest 2 is not active: sees no cache


# ---- coq/CacheLeak.v's run, in pyspec ----------------------------------------------------


def leak_start() -> tuple:
    """CacheLeak.v's lk_start: guests 1 and 2 each map 5 to their own RW page
    (page table at machine 10*o, RW page at 10*o+1 holding o); guest 2 runs."""
    b = StateBuilder().guest(1).guest(2)
    for o in (1, 2):
        b.page_table(o, 0, 10 * o, {5: 10 * o + 1}).rw_page(o, 1, 10 * o + 1, o)
    return b.active(2).build()


@pytest.mark.parametrize("flush, seen", [(False, HIT), (True, WALK)])
def test_the_coq_leak_run_gives_the_same_observations(flush: bool, seen: AccessObs) -> None:
    ctx, s = leak_start()
    config = CacheConfig(4, 4, flush)
    busy = ctrace(config, ctx, empty_caches(s), [Read(5), Ret_ctrl()])[-1].cresult_state
    idle = ctrace(config, ctx, empty_caches(s), [Ret_ctrl()])[-1].cresult_state
    assert os_cequiv(ctx, 1, busy, idle)                       # lk_equiv
    guest1 = [Switch(1), Chmod(), Read(5)]                      # lk_guest1
    after_busy, after_idle = ctrace(config, ctx, busy, guest1), ctrace(config, ctx, idle, guest1)
    assert [r.cresponse for r in after_busy] == [OK, OK, OK] == [r.cresponse for r in after_idle]
    assert [r.observation for r in after_busy] == [None, None, seen]   # cache_leak_without_flush
    assert [r.observation for r in after_idle] == [None, None, WALK]   # / flush_closes_leak
    # coherence_lost_without_flush: guest 2's entry for 5 survives the switch to guest 1.
    assert cache_coherent(config, ctx, busy)
    assert cache_coherent(config, ctx, after_busy[0].cresult_state) == flush
