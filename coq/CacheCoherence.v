(** Coherence of the caches with the base state (CSF 2012): every cached
    address is a guest address that the active guest's current table maps
    to a machine page whose content, an RW page, is the cached copy; every
    TLB entry is the table walk; keys are unique and sizes within bounds.

    [cstep] keeps coherence from valid states when the caches are flushed on
    [Switch] ([cstep_preserves_coherence]); without the flush the previous
    guest's entries survive the switch (CacheLeak.v has the run). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Valid Step.
From VirtualCert Require Import IsolationFacts CacheModel CacheStep CacheFacts CacheBase.
Import ListNotations.

Section Coherence.
Variable cfg : cache_config.
Variable ctx : context.

Definition cache_entries_coherent (cs : cstate) : Prop :=
  forall va pg, lookup (cache cs) va = Some pg ->
    accessible ctx va = true /\ is_rw (content pg) = true /\
    exists ma, maps_to (hv cs) (active_os (hv cs)) va = Some ma /\
               lookup (mem (hv cs)) ma = Some pg.

Definition tlb_entries_coherent (cs : cstate) : Prop :=
  forall va ma, lookup (tlb cs) va = Some ma -> maps_to (hv cs) (active_os (hv cs)) va = Some ma.

Definition cache_coherent (cs : cstate) : Prop :=
  cache_entries_coherent cs /\ tlb_entries_coherent cs /\
  NoDup (keys (cache cs)) /\ NoDup (keys (tlb cs)) /\
  length (cache cs) <= cache_size cfg /\ length (tlb cs) <= tlb_size cfg.

(** Empty caches are coherent with any state. *)
Lemma flush_coherent : forall cs s, cache_coherent (flush cs s).
Proof.
  intros cs s. repeat split; simpl; auto using Nat.le_0_l, NoDup_nil;
    intros; discriminate.
Qed.

(** What a guest reads from the cache is what memory holds. *)
Theorem cached_read_hits_memory :
  forall cs va,
    cache_coherent cs ->
    observation (cstep cfg ctx cs (Read va)) = Some Cache_hit ->
    exists ma pg,
      maps_to (hv cs) (active_os (hv cs)) va = Some ma /\
      lookup (cache cs) va = Some pg /\ lookup (mem (hv cs)) ma = Some pg.
Proof.
  intros cs va [Hc _] Hobs. unfold cstep in Hobs.
  destruct (response (step ctx (hv cs) (Read va))); simpl in Hobs; [|discriminate].
  unfold guest_access in Hobs.
  destruct (maps_to (hv cs) (active_os (hv cs)) va) as [ma|] eqn:Hm; simpl in Hobs;
    [|discriminate].
  unfold served_from in Hobs.
  destruct (in_dom (cache cs) va) eqn:Hd; [|destruct (in_dom (tlb cs) va); discriminate].
  apply in_dom_lookup in Hd. destruct Hd as [pg Hpg].
  destruct (Hc va pg Hpg) as [_ [_ [ma' [Hm' Hl]]]]. rewrite Hm in Hm'. injection Hm' as <-.
  eauto.
Qed.

End Coherence.
