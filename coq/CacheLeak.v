(** Without the flush on [Switch] the caches leak and lose coherence
    (CSF 2012; MODEL.md section 7).  Two untrusted guests map virtual address
    5 to a page of their own.  Guest 2 reads address 5 and gives the CPU
    back; the hypervisor switches to guest 1, which reads address 5:
    - [cache_leak_without_flush]: in the run where guest 2 read first,
      guest 1's read is a [Cache_hit]; in the run where guest 2 did nothing
      it is a [Page_walk].  The two runs start in the same state, differ
      only in guest 2's action, and show guest 1 the same successful
      [1]-actions, so guest 1 learns whether guest 2 touched address 5.
      With the flush both runs give [Page_walk] ([flush_closes_leak]).
    - [coherence_lost_without_flush]: after the switch the cache holds
      guest 2's page for address 5, which guest 1's table maps elsewhere.
    Every state here is checked valid by [valid_state_b] ([vm_compute]). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model Actions Errors Valid Step ValidDec ValidRefl.
From VirtualCert Require Import OsEquiv OsAction CacheModel CacheStep CacheCoherence CacheView.
Import ListNotations.

Definition lk_ctx : context := mk_context [] [].

Definition lk_flush (f : bool) : cache_config := mk_cache_config 4 4 f.

(** Guest [o] has page table at machine [10 * o] (physical 0) mapping 5 to
    its RW page at machine [10 * o + 1] (physical 1), holding value [o]. *)
Definition lk_pages (o : os_ident) : list (nat * page) :=
  [(10 * o, mk_page (PT (of_list [(5, 10 * o + 1)])) (Os o));
   (10 * o + 1, mk_page (RW (Some o)) (Os o))].

(** Guest 2 runs, caches empty. *)
Definition lk_start : cstate :=
  mk_cstate
    (mk_state 2 Usr Running
       (of_list [(1, mk_os_info 0 None); (2, mk_os_info 0 None)])
       (of_list [(1, of_list [(0, 10); (1, 11)]); (2, of_list [(0, 20); (1, 21)])])
       (of_list (lk_pages 1 ++ lk_pages 2)))
    [] [].

(** Run [acts] and keep the final state. *)
Definition lk_run (cfg : cache_config) (cs : cstate) (acts : list action) : cstate :=
  fold_left (fun c a => cresult_state (cstep cfg lk_ctx c a)) acts cs.

(** Guest 2 reads 5 and returns control, or only returns control. *)
Definition lk_busy (f : bool) : cstate := lk_run (lk_flush f) lk_start [Read 5; Ret_ctrl].
Definition lk_idle (f : bool) : cstate := lk_run (lk_flush f) lk_start [Ret_ctrl].

(** Guest 1's actions: switched to, given the CPU, reads 5. *)
Definition lk_guest1 : list action := [Switch 1; Chmod; Read 5].

Lemma lk_start_valid : valid_state lk_ctx (hv lk_start).
Proof. apply valid_state_b_iff. vm_compute. reflexivity. Qed.

(** The two runs are indistinguishable for guest 1 before it acts: same
    base state, and guest 1 is not active so it sees no cache. *)
Lemma lk_same_base : forall f, hv (lk_busy f) = hv (lk_idle f).
Proof. intros f. destruct f; vm_compute; reflexivity. Qed.

Lemma lk_equiv : forall f, os_cequiv lk_ctx 1 (lk_busy f) (lk_idle f).
Proof.
  intros f. split.
  - rewrite lk_same_base. apply os_equiv_refl.
  - destruct f; vm_compute; reflexivity.
Qed.

Lemma lk_busy_valid : forall f, valid_state lk_ctx (hv (lk_busy f)).
Proof. intros f. apply valid_state_b_iff. destruct f; vm_compute; reflexivity. Qed.

Lemma lk_idle_valid : forall f, valid_state lk_ctx (hv (lk_idle f)).
Proof. intros f. rewrite <- lk_same_base. apply lk_busy_valid. Qed.

(** Guest 1's three actions are [1]-actions in both runs (and all succeed,
    below). *)
Lemma lk_guest1_actions :
  forall f cs, cs = lk_busy f \/ cs = lk_idle f ->
    os_action lk_ctx (hv cs) (Switch 1) 1 /\
    os_action lk_ctx (hv (lk_run (lk_flush f) cs [Switch 1])) Chmod 1 /\
    os_action lk_ctx (hv (lk_run (lk_flush f) cs [Switch 1; Chmod])) (Read 5) 1.
Proof.
  intros f cs Hcs. unfold os_action, executed_by, executed_for.
  split; [|split]; [right|right|left];
    (destruct Hcs as [->| ->]; destruct f; vm_compute; repeat split; auto).
Qed.

Example cache_leak_without_flush :
  List.map cresponse (ctrace (lk_flush false) lk_ctx (lk_busy false) lk_guest1) = [Ok; Ok; Ok] /\
  List.map cresponse (ctrace (lk_flush false) lk_ctx (lk_idle false) lk_guest1) = [Ok; Ok; Ok] /\
  List.map observation (ctrace (lk_flush false) lk_ctx (lk_busy false) lk_guest1)
    = [None; None; Some Cache_hit] /\
  List.map observation (ctrace (lk_flush false) lk_ctx (lk_idle false) lk_guest1)
    = [None; None; Some Page_walk].
Proof. vm_compute. repeat split. Qed.

Example flush_closes_leak :
  List.map observation (ctrace (lk_flush true) lk_ctx (lk_busy true) lk_guest1)
    = [None; None; Some Page_walk] /\
  List.map observation (ctrace (lk_flush true) lk_ctx (lk_idle true) lk_guest1)
    = [None; None; Some Page_walk].
Proof. vm_compute. split; reflexivity. Qed.

(** Guest 2's cache entry before the switch is coherent. *)
Lemma lk_busy_coherent : forall f, cache_coherent (lk_flush f) lk_ctx (lk_busy f).
Proof.
  intros f.
  assert (Hc : cache (lk_busy f) = [(5, mk_page (RW (Some 2)) (Os 2))])
    by (destruct f; vm_compute; reflexivity).
  assert (Ht : tlb (lk_busy f) = [(5, 21)]) by (destruct f; vm_compute; reflexivity).
  assert (Hm : maps_to (hv (lk_busy f)) (active_os (hv (lk_busy f))) 5 = Some 21)
    by (destruct f; vm_compute; reflexivity).
  assert (Hl : lookup (mem (hv (lk_busy f))) 21 = Some (mk_page (RW (Some 2)) (Os 2)))
    by (destruct f; vm_compute; reflexivity).
  unfold cache_coherent, cache_entries_coherent, tlb_entries_coherent.
  rewrite Hc, Ht. split; [|split; [|split; [|split; [|split]]]].
  - intros va pg H. simpl in H. destruct (Nat.eqb va 5) eqn:E; [|discriminate].
    apply Nat.eqb_eq in E. subst. injection H as <-. repeat split; eauto.
  - intros va ma H. simpl in H. destruct (Nat.eqb va 5) eqn:E; [|discriminate].
    apply Nat.eqb_eq in E. subst. injection H as <-. exact Hm.
  - repeat constructor. intros [].
  - repeat constructor. intros [].
  - destruct f; simpl; repeat constructor.
  - destruct f; simpl; repeat constructor.
Qed.

Example coherence_lost_without_flush :
  cache_coherent (lk_flush false) lk_ctx (lk_busy false) /\
  ~ cache_coherent (lk_flush false) lk_ctx
      (cresult_state (cstep (lk_flush false) lk_ctx (lk_busy false) (Switch 1))).
Proof.
  split; [apply lk_busy_coherent|].
  intros [Hc _].
  destruct (Hc 5 (mk_page (RW (Some 2)) (Os 2))) as [_ [_ [ma [Hm Hl]]]];
    [vm_compute; reflexivity|].
  assert (E : ma = 11) by (vm_compute in Hm; congruence). subst.
  vm_compute in Hl. discriminate.
Qed.

(** Guest 2 never cached anything in the idle run. *)
Lemma lk_idle_coherent : forall f, cache_coherent (lk_flush f) lk_ctx (lk_idle f).
Proof.
  intros f. replace (lk_idle f) with (flush lk_start (hv (lk_idle f)))
    by (destruct f; vm_compute; reflexivity).
  apply flush_coherent.
Qed.

(** Without the flush, [cstep_consistent]'s conclusion fails on two valid,
    coherent, [1]-equivalent states and the [1]-action [Switch 1], which
    succeeds in both: guest 1's cache view differs right after it. *)
Theorem cstep_consistent_needs_flush :
  ~ (forall cs1 cs2 a,
       valid_state lk_ctx (hv cs1) -> valid_state lk_ctx (hv cs2) ->
       cache_coherent (lk_flush false) lk_ctx cs1 -> cache_coherent (lk_flush false) lk_ctx cs2 ->
       os_cequiv lk_ctx 1 cs1 cs2 ->
       os_action lk_ctx (hv cs1) a 1 -> os_action lk_ctx (hv cs2) a 1 ->
       cresponse (cstep (lk_flush false) lk_ctx cs1 a) = Ok ->
       cresponse (cstep (lk_flush false) lk_ctx cs2 a) = Ok ->
       os_cequiv lk_ctx 1 (cresult_state (cstep (lk_flush false) lk_ctx cs1 a))
                          (cresult_state (cstep (lk_flush false) lk_ctx cs2 a))).
Proof.
  intros H.
  destruct (lk_guest1_actions false (lk_busy false) (or_introl eq_refl)) as [Ho1 _].
  destruct (lk_guest1_actions false (lk_idle false) (or_intror eq_refl)) as [Ho2 _].
  destruct (H (lk_busy false) (lk_idle false) (Switch 1)
              (lk_busy_valid false) (lk_idle_valid false)
              (lk_busy_coherent false) (lk_idle_coherent false) (lk_equiv false)
              Ho1 Ho2 ltac:(vm_compute; reflexivity) ltac:(vm_compute; reflexivity))
    as [_ Hview].
  vm_compute in Hview. discriminate.
Qed.
