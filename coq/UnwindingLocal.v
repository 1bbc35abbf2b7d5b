(** Unwinding, first half: a step that is not an [o]-action leaves [o]'s
    view unchanged, whatever its response ([locally_respects]). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps MapFacts Model Actions Errors Valid Pre Post ErrorMsg.
From VirtualCert Require Import Semantics OsEquiv IsolationFacts OsAction.

(** A gated action on [o] is an [o]-action: the gate is exactly the
    condition under which [o] or the hypervisor for [o] may perform it. *)
Lemma gate_os_action :
  forall ctx s a o h, privileged_on a o -> gate ctx s o h -> os_action ctx s a o.
Proof.
  intros ctx s a o h Hp [_ Hg]. unfold os_action, executed_by, executed_for.
  revert Hg. destruct (trusted ctx o) eqn:Ht; intros [Hact Hrest]; [left|right];
    destruct a; simpl in Hp; try contradiction; repeat split; auto.
Qed.

(** Page [ma0] belongs to someone other than [o], so none of [o]'s
    physical pages is [ma0]. *)
Lemma agree_update_foreign :
  forall ctx s o ma0 ow pg,
    valid_state ctx s -> owned_by s ma0 ow -> ow <> Os o ->
    agree_on_range (lookup (hyp s) o) (mem s) (update (mem s) ma0 pg).
Proof.
  intros ctx s o ma0 ow pg Hv Hown Hne pa ma Hp. symmetry. apply lookup_update_neq.
  eapply owned_by_distinct; [exact Hown|exact (valid_phys_owned ctx s Hv o pa ma Hp)|exact Hne].
Qed.

Lemma agree_refl : forall pm mem0, agree_on_range pm mem0 mem0.
Proof. now intros pm mem0 pa ma _. Qed.

(** The control part is kept when the other guests' entries are all that
    changes in [oss], and either the active guest, activity and mode stay,
    or [o] is active neither before nor after. *)
Lemma control_equiv_intro :
  forall o s s',
    (forall k, in_dom (oss s) k = in_dom (oss s') k) ->
    lookup (oss s) o = lookup (oss s') o ->
    (active_os s' = active_os s /\ activity s' = activity s /\ exec_mode s' = exec_mode s) \/
    (active_os s <> o /\ active_os s' <> o) ->
    control_equiv o s s'.
Proof.
  intros o s s' Hd Hi [[Ha [Hact Hm]]|[Ha Ha']]; split; auto; split; auto.
  - rewrite Ha. split; [tauto|]. intros _. auto.
  - split; [tauto|]. intros H. contradiction.
Qed.

Lemma control_equiv_same :
  forall o s s',
    oss s' = oss s -> active_os s' = active_os s -> activity s' = activity s ->
    exec_mode s' = exec_mode s -> control_equiv o s s'.
Proof.
  intros o s s' Ho Ha Hact Hm. apply control_equiv_intro; [| |now left].
  - intros k. now rewrite Ho.
  - now rewrite Ho.
Qed.

(** The table edit of a guest [o'] other than [o]. *)
Lemma table_edit_other :
  forall ctx s s' o o' f,
    valid_state ctx s -> o' <> o -> Post_table_edit ctx s o' f s' -> os_equiv ctx o s s'.
Proof.
  intros ctx s s' o o' f Hv Hne [ptma [m [ow [Hc [Hp ->]]]]].
  pose proof (valid_cpt_owned ctx s Hv o' ptma _ ow Hc Hp) as ->.
  apply os_equiv_frame; simpl; auto.
  - apply control_equiv_intro; simpl; auto.
    + intros k. symmetry. apply in_dom_serve.
    + symmetry. now apply lookup_serve_other.
  - apply (agree_update_foreign ctx s o ptma (Os o')); [exact Hv| |congruence].
    eexists; split; [exact Hp|reflexivity].
Qed.

(** A hypervisor write goes to a hypervisor page, invisible to every guest. *)
Lemma write_hyper_invisible :
  forall ctx o s va ma pg,
    valid_state ctx s -> accessible ctx va = false -> maps_to s (active_os s) va = Some ma ->
    os_equiv ctx o s (set_mem s (update (mem s) ma pg)).
Proof.
  intros ctx o s va ma pg Hv Hacc Hm.
  pose proof (valid_maps_to_owned ctx s Hv _ va ma Hm) as Hown. rewrite Hacc in Hown.
  apply os_equiv_frame; simpl; [now apply control_equiv_same|reflexivity|].
  apply (agree_update_foreign ctx s o ma Hyp); auto. discriminate.
Qed.

(** Steps of the active guest or of the hypervisor for it, with [o] inactive. *)
Ltac inactive_step :=
  apply os_equiv_frame; simpl; auto using agree_refl;
  apply control_equiv_intro; simpl; auto.

Theorem locally_respects :
  forall ctx o s a r s',
    exec ctx s a r s' -> ~ os_action ctx s a o -> os_equiv ctx o s s'.
Proof.
  intros ctx o s a r s' Hex Hnot.
  destruct Hex as [s a s' Hv Hpre Hpost|s a ec Hv _ _]; [|apply os_equiv_refl].
  (* [o] is not active when [a] is done by or for the active guest *)
  assert (Hby : forall act, activity s = act ->
            match a with
            | Read _ | Write _ _ | Hcall _ | Ret_ctrl => act = Running
            | Chmod | Read_hyper _ | Write_hyper _ _ | Switch _ => act = Waiting
            | _ => False
            end -> active_os s <> o).
  { intros act Hact Ha <-. apply Hnot. unfold os_action, executed_by, executed_for.
    destruct a; subst act; try contradiction;
      [left|left|right|right|left|right|left|right]; repeat split; auto. }
  (* a gated action on [o'] is an [o']-action, so [o' <> o] *)
  assert (Hgate : forall o' h, privileged_on a o' -> gate ctx s o' h -> o' <> o).
  { intros o' h Hp Hg ->. eauto using gate_os_action. }
  destruct a; simpl in Hpre, Hpost.
  - (* Read *) subst. apply os_equiv_refl.
  - (* Write: the page belongs to the active guest, not to [o] *)
    destruct Hpre as [Hr [Hacc _]]. pose proof (Hby _ Hr eq_refl) as Ha.
    destruct Hpost as [ma0 [pg [Hm [_ ->]]]].
    apply os_equiv_frame; simpl; auto using control_equiv_same.
    pose proof (valid_maps_to_owned ctx s Hv _ va ma0 Hm) as Hown. rewrite Hacc in Hown.
    eapply agree_update_foreign; eauto. congruence.
  - (* Read_hyper *) subst. apply os_equiv_refl.
  - (* Write_hyper: the page belongs to the hypervisor *)
    destruct Hpre as [_ [Hacc _]]. destruct Hpost as [ma0 [pg [Hm [_ ->]]]].
    exact (write_hyper_invisible ctx o s va ma0 _ Hv Hacc Hm).
  - (* Hcall *)
    destruct Hpre as [Hr _]. pose proof (Hby _ Hr eq_refl) as Ha.
    destruct Hpost as [info [Hi ->]]. inactive_step.
    + intros k. symmetry. eapply in_dom_update_present; eauto.
    + symmetry. now apply lookup_update_neq.
  - (* New *)
    destruct Hpre as [Hg _]. pose proof (Hgate _ _ eq_refl Hg) as Hne.
    destruct Hpost as [pm [ma0 [_ [_ Hedit]]]]. eauto using table_edit_other.
  - (* Del *)
    destruct Hpre as [Hg _]. pose proof (Hgate _ _ eq_refl Hg) as Hne.
    eauto using table_edit_other.
  - (* Lswitch *)
    destruct Hpre as [Hg _]. pose proof (Hgate _ _ eq_refl Hg) as Hne.
    destruct Hpost as [info [Hi ->]]. inactive_step.
    + intros k. symmetry. eapply in_dom_update_present; eauto.
    + symmetry. now apply lookup_update_neq.
  - (* Switch: neither from nor to [o] *)
    destruct Hpre as [Hw _]. pose proof (Hby _ Hw eq_refl) as Ha.
    red in Hpost; subst. inactive_step.
    right. split; auto. intros <-. apply Hnot. right. split; auto.
  - (* Ret_ctrl *)
    pose proof (Hby _ Hpre eq_refl) as Ha. red in Hpost; subst. inactive_step.
  - (* Chmod *)
    destruct Hpre as [Hw _]. pose proof (Hby _ Hw eq_refl) as Ha.
    red in Hpost; subst. inactive_step.
  - (* Page_pin: the new page was free *)
    destruct Hpre as [Hg _]. pose proof (Hgate _ _ eq_refl Hg) as Hne.
    destruct Hpost as [ma0 [pm [Hfree [Hh ->]]]].
    apply os_equiv_frame; simpl.
    + apply control_equiv_intro; simpl; auto.
      * intros k. symmetry. apply in_dom_serve.
      * symmetry. now apply lookup_serve_other.
    + symmetry. now apply lookup_update_neq.
    + eapply agree_update_foreign; [exact Hv|exact Hfree|discriminate].
  - (* Page_unpin: the page belonged to [o'] *)
    destruct Hpre as [Hg _]. pose proof (Hgate _ _ eq_refl Hg) as Hne.
    destruct Hpost as [pm [ma0 [Hh [Hpa ->]]]].
    apply os_equiv_frame; simpl.
    + apply control_equiv_intro; simpl; auto.
      * intros k. symmetry. apply in_dom_serve.
      * symmetry. now apply lookup_serve_other.
    + symmetry. now apply lookup_update_neq.
    + apply (agree_update_foreign ctx s o ma0 (Os o0)); [exact Hv| |congruence].
      apply (valid_phys_owned ctx s Hv o0 pa). now rewrite Hh.
  - (* Silent *) subst. apply os_equiv_refl.
Qed.
