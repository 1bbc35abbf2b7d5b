(** Read and write isolation (FM 2011; MODEL.md section 6) on the semantics
    with errors: a guest only reads its own pages, and while a guest runs a
    step only touches pages of the active guest or free pages. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Valid Pre Post ErrorMsg Semantics.
From VirtualCert Require Import OsEquiv IsolationFacts.

(** Hypercall-gated actions done while a guest runs are done by that guest. *)
Lemma gate_running_active :
  forall ctx s o h, gate ctx s o h -> activity s = Running -> active_os s = o.
Proof.
  intros ctx s o h [_ Hg] Hr. destruct (trusted ctx o).
  - apply Hg.
  - destruct Hg as [Hw _]. congruence.
Qed.

(** The page of an accessible mapping of the active guest is its own. *)
Lemma mapped_accessible_owned :
  forall ctx s va ma,
    valid_state ctx s -> accessible ctx va = true -> va_mapped_to_ma s va ma ->
    owned_by s ma (Os (active_os s)).
Proof.
  intros ctx s va ma Hv Hacc Hm.
  pose proof (valid_maps_to_owned ctx s Hv (active_os s) va ma Hm) as H.
  now rewrite Hacc in H.
Qed.

Theorem read_isolation :
  forall ctx s va s' ma,
    exec ctx s (Read va) Ok s' -> va_mapped_to_ma s va ma ->
    owned_by s ma (Os (active_os s)).
Proof.
  intros ctx s va s' ma Hex Hm. inversion Hex as [? ? ? Hv Hpre _|]; subst.
  destruct Hpre as [_ [Hacc _]]. eauto using mapped_accessible_owned.
Qed.

(** The machine page [ma] is the same in [s'] as in [s], or it belonged to
    the active guest, or it was free. *)
Definition touched_by_active (s s' : state) (ma : madd) : Prop :=
  lookup (mem s') ma = lookup (mem s) ma \/ owned_by s ma (Os (active_os s)) \/ free s ma.

(** Updating page [ma0] respects [touched_by_active] when [ma0] may be touched. *)
Lemma touched_update :
  forall s s' ma0 pg ma,
    mem s' = update (mem s) ma0 pg ->
    (owned_by s ma0 (Os (active_os s)) \/ free s ma0) ->
    touched_by_active s s' ma.
Proof.
  intros s s' ma0 pg ma Hmem H0. unfold touched_by_active. rewrite Hmem.
  destruct (Nat.eq_dec ma0 ma) as [<-|Hne]; [now right|].
  left. now apply lookup_update_neq.
Qed.

(** A page table edit by the active guest touches its own current table. *)
Lemma table_edit_touched :
  forall ctx s s' o f ma,
    valid_state ctx s -> active_os s = o -> Post_table_edit ctx s o f s' ->
    touched_by_active s s' ma.
Proof.
  intros ctx s s' o f ma Hv Ha [ptma [m [ow [Hc [Hp ->]]]]].
  apply (touched_update s _ ptma (mk_page (PT (f m)) ow)); [reflexivity|].
  left. rewrite Ha. pose proof (valid_cpt_owned ctx s Hv o ptma _ ow Hc Hp) as ->.
  eexists; split; [exact Hp|reflexivity].
Qed.

Theorem write_isolation :
  forall ctx s a r s' ma,
    exec ctx s a r s' -> activity s = Running -> touched_by_active s s' ma.
Proof.
  intros ctx s a r s' ma Hex Hr.
  destruct Hex as [s a s' Hv Hpre Hpost|s a ec Hv _ _]; [|now left].
  unfold touched_by_active.
  destruct a; simpl in Hpre, Hpost.
  - (* Read *) subst. now left.
  - (* Write *)
    destruct Hpost as [ma0 [pg [Hm [_ ->]]]]. destruct Hpre as [_ [Hacc _]].
    eapply touched_update; [reflexivity|]. left. eauto using mapped_accessible_owned.
  - (* Read_hyper *) subst. now left.
  - (* Write_hyper *) destruct Hpre as [Hw _]. congruence.
  - (* Hcall *) destruct Hpost as [info [_ ->]]. now left.
  - (* New *)
    destruct Hpre as [Hg _]. destruct Hpost as [pm [ma0 [_ [_ Hedit]]]].
    exact (table_edit_touched _ _ _ _ _ _ Hv (gate_running_active _ _ _ _ Hg Hr) Hedit).
  - (* Del *)
    destruct Hpre as [Hg _].
    exact (table_edit_touched _ _ _ _ _ _ Hv (gate_running_active _ _ _ _ Hg Hr) Hpost).
  - (* Lswitch *) destruct Hpost as [info [_ ->]]. now left.
  - (* Switch *) red in Hpost; subst. now left.
  - (* Ret_ctrl *) red in Hpost; subst. now left.
  - (* Chmod *) red in Hpost; subst. now left.
  - (* Page_pin: the new page was free *)
    destruct Hpost as [ma0 [pm [Hfree [_ ->]]]].
    eapply touched_update; [reflexivity|]. now right.
  - (* Page_unpin: the page belonged to the active guest *)
    destruct Hpre as [Hg _]. pose proof (gate_running_active _ _ _ _ Hg Hr) as Ha.
    destruct Hpost as [pm [ma0 [Hh [Hpa ->]]]].
    eapply touched_update; [reflexivity|]. left. rewrite Ha.
    apply (valid_phys_owned ctx s Hv o pa). now rewrite Hh.
  - (* Silent *) subst. now left.
Qed.
