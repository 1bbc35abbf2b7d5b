(** OS isolation with cache observations (CSF 2012), when the caches are
    flushed on [Switch]: the unwinding lemmas for [cstep]
    ([clocally_respects], [cstep_consistent]) and non-influence over finite
    executions ([cache_non_influence]): two runs that show guest [o] the
    same successful [o]-actions give [o] the same observations (where each
    access was served from) and [o]-equivalent final states, caches
    included.

    The base part is engineer C's results ([locally_respects],
    [step_consistent]) through [cstep_base].  The cache part rests on three
    facts: the key lists after a step depend only on the key lists before
    (FIFO insertion, removal, and the alias filter of a write, which [o]'s
    view decides for guest addresses); hypervisor actions for another guest
    keep the caches; and a switch to [o] empties them, which is exactly what
    the leaky variant does not do (CacheLeak.v). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model Actions Errors Valid Pre Semantics Step StepSound.
From VirtualCert Require Import OsEquiv IsolationFacts OsAction UnwindingLocal UnwindingStep.
From VirtualCert Require Import UnwindingResponse.
From VirtualCert Require Import CacheModel CacheStep CacheFacts CacheBase CacheView CacheCoherence.
Import ListNotations.

(** * Key lists after a step *)

Lemma in_keys_update :
  forall {V} (m : alist V) k v j, In j (akeys (aupdate m k v)) -> In j (akeys m) \/ j = k.
Proof.
  intros V m k v j H. rewrite keys_update in H. destruct (ain_dom m k); auto.
  apply in_app_iff in H. destruct H as [H|[H|[]]]; auto.
Qed.

Lemma in_keys_bounded_insert :
  forall {V} n (m : alist V) k v j,
    In j (akeys (bounded_insert n m k v)) -> In j (akeys m) \/ j = k.
Proof.
  intros V n m k v j H. unfold bounded_insert in H.
  destruct (ain_dom m k); [eauto using in_keys_update|].
  destruct (shorter_than m n); [eauto using in_keys_update|].
  destruct m as [|[j0 w] t]; [contradiction|].
  apply in_keys_update in H. simpl. tauto.
Qed.

Lemma keys_drop_aliases :
  forall s va ma c,
    akeys (drop_aliases s va ma c) =
    filter (fun k => Nat.eqb k va ||
                     match maps_to s (active_os s) k with
                     | Some ma' => negb (Nat.eqb ma' ma)
                     | None => true
                     end) (akeys c).
Proof.
  intros s va ma c. unfold drop_aliases.
  apply (keys_filter (fun k => Nat.eqb k va ||
                     match maps_to s (active_os s) k with
                     | Some ma' => negb (Nat.eqb ma' ma)
                     | None => true
                     end)).
Qed.

(** * The cache view under the cache operations *)

Lemma view_keep :
  forall o cs1 cs2 s1' s2',
    cache_view o cs1 = cache_view o cs2 ->
    active_os s1' = active_os (hv cs1) -> active_os s2' = active_os (hv cs2) ->
    cache_view o (keep cs1 s1') = cache_view o (keep cs2 s2').
Proof.
  intros o cs1 cs2 s1' s2' H H1 H2. unfold cache_view, keep in *. simpl. now rewrite H1, H2.
Qed.

Lemma view_keep_same :
  forall o cs s', active_os s' = active_os (hv cs) -> cache_view o (keep cs s') = cache_view o cs.
Proof. intros o cs s' H. unfold cache_view, keep. simpl. now rewrite H. Qed.

Lemma view_flush :
  forall o cs1 cs2 s1' s2',
    (active_os s1' = o <-> active_os s2' = o) ->
    cache_view o (flush cs1 s1') = cache_view o (flush cs2 s2').
Proof.
  intros o cs1 cs2 s1' s2' H. unfold cache_view, flush. simpl.
  destruct (Nat.eqb (active_os s1') o) eqn:E1, (Nat.eqb (active_os s2') o) eqn:E2; auto.
  - apply Nat.eqb_eq in E1. apply Nat.eqb_neq in E2. tauto.
  - apply Nat.eqb_neq in E1. apply Nat.eqb_eq in E2. tauto.
Qed.

Lemma view_invalidate :
  forall o cs1 cs2 s1' s2' va,
    cache_view o cs1 = cache_view o cs2 ->
    active_os s1' = active_os (hv cs1) -> active_os s2' = active_os (hv cs2) ->
    cache_view o (invalidate cs1 s1' va) = cache_view o (invalidate cs2 s2' va).
Proof.
  intros o cs1 cs2 s1' s2' va H H1 H2. unfold cache_view, invalidate in *. simpl.
  rewrite H1, H2, !keys_remove.
  destruct (Nat.eqb (active_os (hv cs1)) o), (Nat.eqb (active_os (hv cs2)) o);
    try discriminate; auto.
  injection H as Hc Ht. now rewrite Hc, Ht.
Qed.

(** * What a successful base step gives a guest access *)

Lemma access_target :
  forall ctx s a va,
    (a = Read va \/ exists v, a = Write va v) -> response (step ctx s a) = Ok ->
    activity s = Running /\ accessible ctx va = true /\
    exists ma pg, maps_to s (active_os s) va = Some ma /\
                  lookup (mem (result_state (step ctx s a))) ma = Some pg.
Proof.
  intros ctx s a va Ha Hok.
  pose proof (step_ok_pre_error ctx s a Hok) as Hpe. rewrite (step_ok_state ctx s a Hok).
  destruct Ha as [->|[v ->]]; simpl in Hpe;
    destruct (access_check_ok ctx s va Hpe) as [Hr [Hacc [ma [v' [ow [Hm Hl]]]]]];
    repeat split; auto; exists ma; simpl.
  - eauto.
  - unfold write_effect. rewrite Hm, Hl. simpl. rewrite lookup_update_eq. eauto.
Qed.

(** The active guest is gated for its own privileged actions. *)
Lemma privileged_ok_os_action :
  forall ctx s a o,
    privileged_on a o -> response (step ctx s a) = Ok -> os_action ctx s a o.
Proof.
  intros ctx s a o Hp Hok. apply step_response_ok_iff in Hok.
  destruct a; simpl in Hp; try contradiction; subst; destruct Hok as [Hg _];
    eapply gate_os_action; eauto; reflexivity.
Qed.

Section Isolation.
Variable cfg : cache_config.
Variable ctx : context.
Variable o : os_ident.

(** [cstep] on its Ok branch, and the active guest after it. *)
Lemma cstep_error :
  forall cs a ec,
    response (step ctx (hv cs) a) = Error ec -> cresult_state (cstep cfg ctx cs a) = cs.
Proof. intros cs a ec H. unfold cstep. cbv zeta. now rewrite H. Qed.

(** Cached addresses stay guest addresses, flush or not. *)
Theorem cstep_keeps_keys_accessible :
  forall cs a,
    cache_keys_accessible ctx cs -> cache_keys_accessible ctx (cresult_state (cstep cfg ctx cs a)).
Proof.
  intros cs a Hk. unfold cstep. cbv zeta.
  destruct (response (step ctx (hv cs) a)) eqn:Hok; [|exact Hk].
  assert (Hguest : forall va w, (a = Read va \/ exists v, a = Write va v) ->
            cache_keys_accessible ctx
              (cresult_state (guest_access cfg cs (result_state (step ctx (hv cs) a)) va w))).
  { intros va w Ha. destruct (access_target ctx (hv cs) a va Ha Hok) as [_ [Hacc _]].
    unfold guest_access. destruct (maps_to (hv cs) (active_os (hv cs)) va) as [ma|];
      [|exact Hk].
    intros k Hin. simpl in Hin.
    assert (Hfill : In k (akeys (cache (fill cfg cs (result_state (step ctx (hv cs) a)) va ma))) ->
              accessible ctx k = true).
    { unfold fill. simpl. destruct (lookup _ ma); [|apply Hk].
      intros H. apply in_keys_bounded_insert in H. destruct H as [H| ->]; auto. }
    destruct w; simpl in Hin; apply Hfill; auto.
    rewrite keys_drop_aliases in Hin. apply filter_In in Hin. apply Hin. }
  destruct a; eauto;
    repeat match goal with
    | |- context [if ?b then _ else _] => destruct b
    end; unfold keep, flush, invalidate, cache_keys_accessible in *; simpl; auto;
    try (intros k []);
    intros k Hin; rewrite keys_remove in Hin; apply filter_In in Hin; apply Hk, Hin.
Qed.

Lemma cstep_keeps_os_equiv :
  forall cs a, valid_state ctx (hv cs) -> ~ os_action ctx (hv cs) a o ->
    os_equiv ctx o (hv cs) (hv (cresult_state (cstep cfg ctx cs a))).
Proof.
  intros cs a Hv Hn. rewrite cstep_hv.
  exact (locally_respects ctx o _ a _ _ (step_sound ctx (hv cs) Hv a) Hn).
Qed.

(** A step that is not an [o]-action keeps [o]'s view, caches included:
    while [o] is active, the only successful steps that are not
    [o]-actions are the hypervisor's for other guests, which keep the
    caches. *)
Theorem clocally_respects :
  forall cs a,
    valid_state ctx (hv cs) -> ~ os_action ctx (hv cs) a o ->
    os_cequiv ctx o cs (cresult_state (cstep cfg ctx cs a)).
Proof.
  intros cs a Hv Hn. pose proof (cstep_keeps_os_equiv cs a Hv Hn) as Hb.
  split; [exact Hb|].
  destruct (Nat.eqb (active_os (hv cs)) o) eqn:Ha.
  2:{ (* [o] is inactive before, so after *)
    unfold cache_view. rewrite Ha.
    destruct Hb as [[_ [_ [Hact _]]] _].
    destruct (Nat.eqb (active_os (hv (cresult_state (cstep cfg ctx cs a)))) o) eqn:Ha'; auto.
    apply Nat.eqb_eq, Hact, Nat.eqb_eq in Ha'. congruence. }
  apply Nat.eqb_eq in Ha.
  unfold cstep. cbv zeta.
  destruct (response (step ctx (hv cs) a)) eqn:Hok; [|reflexivity].
  assert (Hkeep : (forall o', a <> Switch o') ->
            cache_view o cs = cache_view o (keep cs (result_state (step ctx (hv cs) a)))).
  { intros Hns. symmetry. apply view_keep_same. now apply step_active_os. }
  (* the active guest's accesses and its switch are [o]-actions *)
  assert (Hrun : activity (hv cs) = Running -> forall a', a' = a ->
            (match a' with Read _ | Write _ _ => True | _ => False end) -> False).
  { intros Hr a' -> Hm. apply Hn. left. split; [exact Hr|split; [exact Ha|]].
    destruct a; simpl in *; tauto. }
  destruct a as [va|va v|va|va v|h|o' va pa|o' va|o' pa|o'| | |o' pa t|o' pa|]; simpl;
    try (apply Hkeep; intros ? ?; discriminate).
  - exfalso. destruct (access_target ctx (hv cs) _ va (or_introl eq_refl) Hok) as [Hr _].
    eapply Hrun; eauto. exact I.
  - exfalso. destruct (access_target ctx (hv cs) _ va (or_intror (ex_intro _ v eq_refl)) Hok)
      as [Hr _].
    eapply Hrun; eauto. exact I.
  - destruct (Nat.eqb o' (active_os (hv cs))) eqn:E; [|apply Hkeep; intros ? ?; discriminate].
    apply Nat.eqb_eq in E. exfalso. apply Hn. rewrite <- Ha, <- E.
    apply privileged_ok_os_action; simpl; auto.
  - destruct (Nat.eqb o' (active_os (hv cs))) eqn:E; [|apply Hkeep; intros ? ?; discriminate].
    apply Nat.eqb_eq in E. exfalso. apply Hn. rewrite <- Ha, <- E.
    apply privileged_ok_os_action; simpl; auto.
  - destruct (Nat.eqb o' (active_os (hv cs))) eqn:E; [|apply Hkeep; intros ? ?; discriminate].
    apply Nat.eqb_eq in E. exfalso. apply Hn. rewrite <- Ha, <- E.
    apply privileged_ok_os_action; simpl; auto.
  - exfalso. apply step_response_ok_iff in Hok. destruct Hok as [Hw _].
    apply Hn. right. split; auto.
Qed.

(** Whether a cached address aliases the accessed one reads the same in
    two [o]-equivalent states: both are guest addresses, so the question
    is about [o]'s physical pages. *)
Lemma alias_agree :
  forall s1 s2 va k ma1 ma2,
    valid_state ctx s1 -> valid_state ctx s2 -> os_equiv ctx o s1 s2 ->
    accessible ctx k = true -> accessible ctx va = true ->
    maps_to s1 o va = Some ma1 -> maps_to s2 o va = Some ma2 ->
    match maps_to s1 o k with Some x => negb (Nat.eqb x ma1) | None => true end =
    match maps_to s2 o k with Some x => negb (Nat.eqb x ma2) | None => true end.
Proof.
  intros s1 s2 va k ma1 ma2 Hv1 Hv2 Heq Hk Hva M1 M2.
  destruct (maps_to_transfer ctx o s1 s2 va ma1 Hv1 Hv2 Heq Hva M1)
    as [pv [y [V2 [P1v P2v]]]].
  rewrite M2 in V2. injection V2 as <-.
  destruct (maps_to s1 o k) as [x1|] eqn:K1.
  - destruct (maps_to_transfer ctx o s1 s2 k x1 Hv1 Hv2 Heq Hk K1)
      as [pk [x2 [K2 [P1k P2k]]]].
    rewrite K2. f_equal.
    destruct (Nat.eqb x1 ma1) eqn:E1, (Nat.eqb x2 ma2) eqn:E2; auto.
    + apply Nat.eqb_eq in E1. subst.
      pose proof (valid_phys_injective ctx s1 Hv1 o pk pv ma1 P1k P1v). subst.
      assert (x2 = ma2) as -> by congruence. now rewrite Nat.eqb_refl in E2.
    + apply Nat.eqb_eq in E2. subst.
      pose proof (valid_phys_injective ctx s2 Hv2 o pk pv ma2 P2k P2v). subst.
      assert (x1 = ma1) as -> by congruence. now rewrite Nat.eqb_refl in E1.
  - destruct (maps_to s2 o k) as [x2|] eqn:K2; auto.
    destruct (maps_to_transfer ctx o s2 s1 k x2 Hv2 Hv1 (os_equiv_sym _ _ _ _ Heq) Hk K2)
      as [pk [x1 [K1' _]]].
    congruence.
Qed.

Lemma guest_access_consistent :
  forall cs1 cs2 s1' s2' va w ma1 ma2 pg1 pg2,
    valid_state ctx (hv cs1) -> valid_state ctx (hv cs2) -> os_equiv ctx o (hv cs1) (hv cs2) ->
    active_os (hv cs1) = o -> active_os (hv cs2) = o ->
    active_os s1' = o -> active_os s2' = o ->
    cache_view o cs1 = cache_view o cs2 -> cache_keys_accessible ctx cs1 ->
    accessible ctx va = true ->
    maps_to (hv cs1) o va = Some ma1 -> maps_to (hv cs2) o va = Some ma2 ->
    lookup (mem s1') ma1 = Some pg1 -> lookup (mem s2') ma2 = Some pg2 ->
    observation (guest_access cfg cs1 s1' va w) = observation (guest_access cfg cs2 s2' va w) /\
    cache_view o (cresult_state (guest_access cfg cs1 s1' va w)) =
    cache_view o (cresult_state (guest_access cfg cs2 s2' va w)).
Proof.
  intros cs1 cs2 s1' s2' va w ma1 ma2 pg1 pg2 Hv1 Hv2 Heq A1 A2 A1' A2' Hview Hk Hva M1 M2 L1 L2.
  unfold cache_view in Hview. rewrite A1, A2, Nat.eqb_refl in Hview.
  injection Hview as Hkc Hkt.
  unfold guest_access. rewrite A1, A2, M1, M2. simpl.
  split.
  - unfold served_from. now rewrite (in_dom_same_keys _ _ va Hkc), (in_dom_same_keys _ _ va Hkt).
  - assert (Htlb :
      akeys (if ain_dom (tlb cs1) va then tlb cs1
            else bounded_insert (tlb_size cfg) (tlb cs1) va ma1) =
      akeys (if ain_dom (tlb cs2) va then tlb cs2
            else bounded_insert (tlb_size cfg) (tlb cs2) va ma2)).
    { rewrite (in_dom_same_keys _ _ va Hkt).
      destruct (ain_dom (tlb cs2) va); auto using keys_bounded_insert_same. }
    assert (Hc : akeys (bounded_insert (cache_size cfg) (cache cs1) va pg1) =
                 akeys (bounded_insert (cache_size cfg) (cache cs2) va pg2))
      by auto using keys_bounded_insert_same.
    unfold cache_view. destruct w; simpl; rewrite A1', A2', Nat.eqb_refl, L1, L2;
      [|now rewrite Hc, Htlb].
    rewrite !keys_drop_aliases, Hc, Htlb, A1, A2. f_equal. f_equal.
    apply filter_ext_in. intros k Hin. f_equal.
    rewrite <- Hc in Hin.
    apply in_keys_bounded_insert in Hin.
    assert (Hacc : accessible ctx k = true) by (destruct Hin as [Hin| ->]; auto).
    exact (alias_agree (hv cs1) (hv cs2) va k ma1 ma2 Hv1 Hv2 Heq Hacc Hva M1 M2).
Qed.

(** An [o]-action that succeeds in two [o]-equivalent valid states whose
    cached addresses are guest addresses (coherent states qualify) gives
    the same observation and [o]-equivalent results, caches included. *)
Theorem cstep_consistent :
  forall cs1 cs2 a,
    flush_on_switch cfg = true ->
    valid_state ctx (hv cs1) -> valid_state ctx (hv cs2) ->
    cache_keys_accessible ctx cs1 -> cache_keys_accessible ctx cs2 ->
    os_cequiv ctx o cs1 cs2 -> os_action ctx (hv cs1) a o -> os_action ctx (hv cs2) a o ->
    cresponse (cstep cfg ctx cs1 a) = Ok -> cresponse (cstep cfg ctx cs2 a) = Ok ->
    observation (cstep cfg ctx cs1 a) = observation (cstep cfg ctx cs2 a) /\
    os_cequiv ctx o (cresult_state (cstep cfg ctx cs1 a)) (cresult_state (cstep cfg ctx cs2 a)).
Proof.
  intros cs1 cs2 a Hfl Hv1 Hv2 Hk1 Hk2 [Heq Hview] Ho1 Ho2 Hok1 Hok2.
  rewrite cstep_response in Hok1, Hok2.
  assert (Hbase : os_equiv ctx o (hv (cresult_state (cstep cfg ctx cs1 a)))
                                 (hv (cresult_state (cstep cfg ctx cs2 a)))).
  { rewrite !cstep_hv. eapply step_consistent; eauto.
    - rewrite <- Hok1. now apply step_sound.
    - rewrite <- Hok2. now apply step_sound. }
  pose proof Hbase as [[_ [_ [Hact' _]]] _]. rewrite !cstep_hv in Hact'.
  pose proof Heq as [[_ [_ [Hact _]]] _].
  apply os_action_inv in Ho1 as F1. apply os_action_inv in Ho2 as F2.
  unfold cstep in Hbase |- *. cbv zeta in Hbase |- *. rewrite Hok1, Hok2 in Hbase |- *.
  assert (Hns : forall a', a' = a -> (forall o', a' <> Switch o') ->
            active_os (result_state (step ctx (hv cs1) a)) = active_os (hv cs1) /\
            active_os (result_state (step ctx (hv cs2) a)) = active_os (hv cs2)).
  { intros a' <- H. split; now apply step_active_os. }
  (* the actions on [o] itself flush, invalidate or keep alike on both sides *)
  assert (Hsame : Nat.eqb o (active_os (hv cs1)) = Nat.eqb o (active_os (hv cs2))).
  { destruct (Nat.eqb o (active_os (hv cs1))) eqn:E1, (Nat.eqb o (active_os (hv cs2))) eqn:E2;
      auto; exfalso.
    - apply Nat.eqb_eq in E1. apply Nat.eqb_neq in E2. apply E2. symmetry. apply Hact. congruence.
    - apply Nat.eqb_neq in E1. apply Nat.eqb_eq in E2. apply E1. symmetry. apply Hact. congruence. }
  destruct a; simpl in F1, F2 |- *;
    try (split; [reflexivity|split; [exact Hbase|]];
         destruct (Hns _ eq_refl ltac:(intros ? ?; discriminate)) as [N1 N2];
         apply view_keep; auto; fail).
  - (* Read *)
    destruct F1 as [_ A1], F2 as [_ A2].
    destruct (access_target ctx (hv cs1) _ va (or_introl eq_refl) Hok1)
      as [_ [Hva [ma1 [pg1 [M1 L1]]]]].
    destruct (access_target ctx (hv cs2) _ va (or_introl eq_refl) Hok2)
      as [_ [_ [ma2 [pg2 [M2 L2]]]]].
    destruct (Hns _ eq_refl ltac:(intros ? ?; discriminate)) as [N1 N2].
    rewrite A1 in M1, N1. rewrite A2 in M2, N2.
    destruct (guest_access_consistent cs1 cs2 _ _ va false ma1 ma2 pg1 pg2
                Hv1 Hv2 Heq A1 A2 N1 N2 Hview Hk1 Hva M1 M2 L1 L2) as [Hobs Hv].
    split; [exact Hobs|split; [exact Hbase|exact Hv]].
  - (* Write *)
    destruct F1 as [_ A1], F2 as [_ A2].
    destruct (access_target ctx (hv cs1) _ va (or_intror (ex_intro _ v eq_refl)) Hok1)
      as [_ [Hva [ma1 [pg1 [M1 L1]]]]].
    destruct (access_target ctx (hv cs2) _ va (or_intror (ex_intro _ v eq_refl)) Hok2)
      as [_ [_ [ma2 [pg2 [M2 L2]]]]].
    destruct (Hns _ eq_refl ltac:(intros ? ?; discriminate)) as [N1 N2].
    rewrite A1 in M1, N1. rewrite A2 in M2, N2.
    destruct (guest_access_consistent cs1 cs2 _ _ va true ma1 ma2 pg1 pg2
                Hv1 Hv2 Heq A1 A2 N1 N2 Hview Hk1 Hva M1 M2 L1 L2) as [Hobs Hv].
    split; [exact Hobs|split; [exact Hbase|exact Hv]].
  - (* New *)
    subst o0. destruct (Hns _ eq_refl ltac:(intros ? ?; discriminate)) as [N1 N2].
    rewrite Hsame in Hbase |- *.
    destruct (Nat.eqb o (active_os (hv cs2))); (split; [reflexivity|split; [exact Hbase|]]);
      auto using view_invalidate, view_keep.
  - (* Del *)
    subst o0. destruct (Hns _ eq_refl ltac:(intros ? ?; discriminate)) as [N1 N2].
    rewrite Hsame in Hbase |- *.
    destruct (Nat.eqb o (active_os (hv cs2))); (split; [reflexivity|split; [exact Hbase|]]);
      auto using view_invalidate, view_keep.
  - (* Lswitch *)
    subst o0. destruct (Hns _ eq_refl ltac:(intros ? ?; discriminate)) as [N1 N2].
    rewrite Hsame in Hbase |- *.
    destruct (Nat.eqb o (active_os (hv cs2))); (split; [reflexivity|split; [exact Hbase|]]);
      auto using view_flush, view_keep.
  - (* Switch: both sides flush *)
    rewrite Hfl in Hbase |- *. split; [reflexivity|split; [exact Hbase|]].
    apply view_flush. exact Hact'.
Qed.

(** * Executions *)

(** A step [o] does not see: another guest's, or a failing one. *)
Definition chidden (cs : cstate) (a : action) : Prop :=
  ~ os_action ctx (hv cs) a o \/ cresponse (cstep cfg ctx cs a) <> Ok.

Lemma chidden_equiv :
  forall cs a,
    valid_state ctx (hv cs) -> chidden cs a ->
    os_cequiv ctx o cs (cresult_state (cstep cfg ctx cs a)).
Proof.
  intros cs a Hv [Hn|Hr]; [now apply clocally_respects|].
  rewrite cstep_response in Hr. destruct (response (step ctx (hv cs) a)) eqn:E; [congruence|].
  rewrite (cstep_error cs a ec E). apply os_cequiv_refl.
Qed.

(** [cobserved cs acts l]: running [acts] from [cs], the successful
    [o]-actions and their observations are [l]. *)
Inductive cobserved : cstate -> list action -> list (action * option access_obs) -> Prop :=
| cobserved_nil : forall cs, cobserved cs [] []
| cobserved_o : forall cs a acts l,
    os_action ctx (hv cs) a o -> cresponse (cstep cfg ctx cs a) = Ok ->
    cobserved (cresult_state (cstep cfg ctx cs a)) acts l ->
    cobserved cs (a :: acts) ((a, observation (cstep cfg ctx cs a)) :: l)
| cobserved_hidden : forall cs a acts l,
    chidden cs a -> cobserved (cresult_state (cstep cfg ctx cs a)) acts l ->
    cobserved cs (a :: acts) l.

Fixpoint cfinal (cs : cstate) (acts : list action) : cstate :=
  match acts with
  | [] => cs
  | a :: rest => cfinal (cresult_state (cstep cfg ctx cs a)) rest
  end.

(** The invariant along a run. *)
Definition cinv (cs : cstate) : Prop := valid_state ctx (hv cs) /\ cache_keys_accessible ctx cs.

Lemma cinv_step : forall cs a, cinv cs -> cinv (cresult_state (cstep cfg ctx cs a)).
Proof.
  intros cs a [Hv Hk]. split; auto using cstep_preserves_valid, cstep_keeps_keys_accessible.
Qed.

Lemma ccatch_up :
  forall cs acts, cinv cs -> cobserved cs acts [] -> os_cequiv ctx o cs (cfinal cs acts).
Proof.
  intros cs acts. revert cs. induction acts as [|a rest IH]; intros cs Hi Hobs; simpl.
  - apply os_cequiv_refl.
  - inversion Hobs as [|? ? ? ? ? ? ? Hx|? ? ? ? Hh Hrest]; subst.
    eapply os_cequiv_trans; [apply chidden_equiv; [apply Hi|exact Hh]|].
    apply IH; auto using cinv_step.
Qed.

Theorem cache_non_influence :
  flush_on_switch cfg = true ->
  forall cs1 acts1 l1 cs2 acts2 l2,
    cinv cs1 -> cinv cs2 -> os_cequiv ctx o cs1 cs2 ->
    cobserved cs1 acts1 l1 -> cobserved cs2 acts2 l2 -> List.map fst l1 = List.map fst l2 ->
    l1 = l2 /\ os_cequiv ctx o (cfinal cs1 acts1) (cfinal cs2 acts2).
Proof.
  intros Hfl cs1 acts1 l1 cs2 acts2 l2 Hi1 Hi2 Heq H1 H2 Hfst.
  revert cs2 acts2 l2 Hi1 Hi2 Heq H2 Hfst.
  induction H1 as [cs1|cs1 a acts1 l1 Ho1 Hok1 H1 IH1|cs1 a acts1 l1 Hh1 H1 IH1];
    intros cs2 acts2 l2 Hi1 Hi2 Heq H2 Hfst; simpl.
  - destruct l2; [|discriminate]. split; auto.
    eapply os_cequiv_trans; [exact Heq|]. now apply ccatch_up.
  - induction H2 as [cs2|cs2 b acts2 l2 Ho2 Hok2 H2 IH2|cs2 b acts2 l2 Hh2 H2 IH2];
      simpl in Hfst; [discriminate| |].
    + injection Hfst as <- Hfst. simpl.
      destruct (cstep_consistent cs1 cs2 a Hfl (proj1 Hi1) (proj1 Hi2) (proj2 Hi1) (proj2 Hi2)
                  Heq Ho1 Ho2 Hok1 Hok2) as [Hobs Heq'].
      destruct (IH1 _ _ _ (cinv_step _ _ Hi1) (cinv_step _ _ Hi2) Heq' H2 Hfst) as [-> Hfin].
      rewrite Hobs. auto.
    + apply IH2; auto using cinv_step.
      eapply os_cequiv_trans; [exact Heq|]. apply chidden_equiv; [apply Hi2|exact Hh2].
  - apply IH1; auto using cinv_step.
    eapply os_cequiv_trans; [|exact Heq]. apply os_cequiv_sym.
    apply chidden_equiv; [apply Hi1|exact Hh1].
Qed.

End Isolation.

(** Coherent states have guest addresses as cached keys. *)
Lemma coherent_keys_accessible :
  forall cfg ctx cs, cache_coherent cfg ctx cs -> cache_keys_accessible ctx cs.
Proof.
  intros cfg ctx cs [Hc _] va Hin. apply in_dom_keys, ain_dom_lookup in Hin.
  destruct Hin as [pg Hpg]. apply (Hc va pg Hpg).
Qed.

(** [cstep_consistent] for coherent states, as CSF 2012 states it. *)
Corollary cstep_consistent_coherent :
  forall cfg ctx o cs1 cs2 a,
    flush_on_switch cfg = true ->
    valid_state ctx (hv cs1) -> valid_state ctx (hv cs2) ->
    cache_coherent cfg ctx cs1 -> cache_coherent cfg ctx cs2 ->
    os_cequiv ctx o cs1 cs2 -> os_action ctx (hv cs1) a o -> os_action ctx (hv cs2) a o ->
    cresponse (cstep cfg ctx cs1 a) = Ok -> cresponse (cstep cfg ctx cs2 a) = Ok ->
    observation (cstep cfg ctx cs1 a) = observation (cstep cfg ctx cs2 a) /\
    os_cequiv ctx o (cresult_state (cstep cfg ctx cs1 a)) (cresult_state (cstep cfg ctx cs2 a)).
Proof.
  intros cfg ctx o cs1 cs2 a Hfl Hv1 Hv2 Hc1 Hc2.
  apply cstep_consistent; eauto using coherent_keys_accessible.
Qed.
