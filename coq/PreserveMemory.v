(** Preservation of [valid_state] by the actions that rewrite one page in
    place: [Write] and [Write_hyper] (an RW page gets another RW value, same
    owner), [New] and [Del] (the guest's current page table gains an
    accessible mapping to one of its own pages, or loses a mapping).  None of
    them touches [hyp], page owners or the guests' current pages. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Valid Pre Post PreserveFrame.

(** * Rewriting one page in place *)

Section Rewrite.
Variable ctx : context.
Variables s s' : state.

(** Rewriting page [pg] into [pg'] keeps its owner and keeps it a page table
    exactly when it was one; a guest's table only loses entries or gains
    accessible mappings to pages the guest holds physically. *)
Definition rewrite_ok (pg pg' : page) : Prop :=
  owner pg' = owner pg /\
  match content pg, content pg' with
  | PT m0, PT m =>
      forall o va ma', owner pg = Os o -> lookup m va = Some ma' ->
        lookup m0 va = Some ma' \/
        (accessible ctx va = true /\ exists pa, physical s o pa ma')
  | PT _, _ | _, PT _ => False
  | _, _ => True
  end.

Lemma rewrite_frame :
  forall ma pg pg',
    lookup (mem s) ma = Some pg -> rewrite_ok pg pg' ->
    mem s' = update (mem s) ma pg' ->
    owners_kept s s' /\ tables_kept s s' /\ tables_justified ctx s s'.
Proof.
  intros ma [c ow] [c' ow'] Hpg [Hown Hcontent] Hm. simpl in Hown, Hcontent. subst ow'.
  repeat split.
  - intros ma1 ow1 (pg1 & Hpg1 & Hown1). unfold owned_by. rewrite Hm, lookup_update.
    destruct (Nat.eqb ma ma1) eqn:E; eauto.
    apply Nat.eqb_eq in E. subst ma1. rewrite Hpg in Hpg1. injection Hpg1 as <-.
    eexists. split; [reflexivity|exact Hown1].
  - intros ma1 m ow1 Hpg1. rewrite Hm, lookup_update.
    destruct (Nat.eqb ma ma1) eqn:E; eauto.
    apply Nat.eqb_eq in E. subst ma1. rewrite Hpg in Hpg1. injection Hpg1 as -> ->.
    destruct c' as [|m'|]; try contradiction. eauto.
  - intros ma1 m o Hpg1'. rewrite Hm, lookup_update in Hpg1'.
    destruct (Nat.eqb ma ma1) eqn:E.
    + apply Nat.eqb_eq in E. subst ma1. injection Hpg1' as -> ->.
      destruct c as [|m0|]; try contradiction.
      exists m0. split; [exact Hpg|]. intros va ma' Hva. exact (Hcontent o va ma' eq_refl Hva).
    + exists m. split; auto.
Qed.

End Rewrite.

(** * Write and Write_hyper *)

(** Both writes overwrite the RW page that [va] maps to in the active guest's
    table; only the accessibility side of [va] differs, and it does not matter. *)
Lemma rw_write_preserves_valid :
  forall ctx s va v s',
    valid_state ctx s -> (exists ma, va_mapped_to_ma s va ma /\ rw_page s ma) ->
    Post_write s va v s' -> valid_state ctx s'.
Proof.
  intros ctx s va v s' Hv (ma0 & Hmap0 & v0 & ow & Hrw) (ma & pg & Hmap & Hpg & ->).
  unfold va_mapped_to_ma in *. rewrite Hmap0 in Hmap. injection Hmap as <-.
  rewrite Hrw in Hpg. injection Hpg as <-.
  set (s' := set_mem s _).
  destruct (rewrite_frame ctx s s' ma0 (mk_page (RW v0) ow) (mk_page (RW (Some v)) ow))
    as (Hown & Hkept & Hjust); auto.
  { split; simpl; auto. }
  destruct (same_control_frame ctx s s') as (H1 & H2 & H3 & H4); auto.
  apply valid_state_frame with s; auto.
  - apply same_oss_guests_kept. reflexivity.
  - apply guests_kept_active_exists with ctx s; auto.
    apply same_oss_guests_kept. reflexivity.
Qed.

Lemma write_preserves_valid :
  forall ctx s va v s',
    valid_state ctx s -> Pre_read ctx s va -> Post_write s va v s' -> valid_state ctx s'.
Proof.
  intros ctx s va v s' Hv (_ & _ & Hrw). eapply rw_write_preserves_valid; eauto.
Qed.

Lemma write_hyper_preserves_valid :
  forall ctx s va v s',
    valid_state ctx s -> Pre_read_hyper ctx s va -> Post_write s va v s' ->
    valid_state ctx s'.
Proof.
  intros ctx s va v s' Hv (_ & _ & Hrw). eapply rw_write_preserves_valid; eauto.
Qed.

(** * New and Del: editing a guest's current page table *)

(** Editing [o]'s current page table is safe when every entry of the edited
    table was there before or maps an accessible address to a page [o] holds. *)
Lemma table_edit_preserves_valid :
  forall ctx s o f s',
    valid_state ctx s ->
    (forall m va ma', lookup (f m) va = Some ma' ->
       lookup m va = Some ma' \/
       (accessible ctx va = true /\ exists pa, physical s o pa ma')) ->
    Post_table_edit ctx s o f s' -> valid_state ctx s'.
Proof.
  intros ctx s o f s' Hv Hf (ptma & m & ow & Hcpt & Hpt & ->).
  pose proof (cpt_owned s o ptma m ow (valid_os_tables_exist ctx s Hv) Hcpt Hpt) as ->.
  set (s' := set_oss _ _).
  destruct (rewrite_frame ctx s s' ptma (mk_page (PT m) (Os o)) (mk_page (PT (f m)) (Os o)))
    as (Hown & Hkept & Hjust); auto.
  { split; simpl; auto. intros o' va ma' Ho Hva. injection Ho as <-. auto. }
  destruct (serve_control_frame ctx s s' o) as (H1 & H2 & H3 & H4); auto.
  assert (Hguests : guests_kept s s') by (eapply serve_guests_kept; reflexivity).
  apply valid_state_frame with s; auto.
  apply guests_kept_active_exists with ctx s; auto.
Qed.

Lemma new_preserves_valid :
  forall ctx s o va pa s',
    valid_state ctx s -> Pre_new ctx s o va pa -> Post_new ctx s o va pa s' ->
    valid_state ctx s'.
Proof.
  intros ctx s o va pa s' Hv (_ & Hacc & _) (pm & ma & Hpm & Hma & Hedit).
  apply (table_edit_preserves_valid ctx s o (fun m => update m va ma)); auto.
  intros m va' ma' Hva'. rewrite lookup_update in Hva'.
  destruct (Nat.eqb va va') eqn:E; auto.
  apply Nat.eqb_eq in E. subst va'. injection Hva' as <-.
  right. split; auto. exists pa, pm. auto.
Qed.

Lemma del_preserves_valid :
  forall ctx s o va s',
    valid_state ctx s -> Pre_del ctx s o va -> Post_del ctx s o va s' ->
    valid_state ctx s'.
Proof.
  intros ctx s o va s' Hv _ Hedit.
  apply (table_edit_preserves_valid ctx s o (fun m => remove m va)); auto.
  intros m va' ma' Hva'. rewrite lookup_remove in Hva'.
  destruct (Nat.eqb va va'); [discriminate|auto].
Qed.
