(** Preservation of [valid_state] by the actions that change only control
    fields and guest records: [Hcall], [Switch], [Ret_ctrl], [Chmod] (memory,
    [hyp] and current pages unchanged, so properties 5 to 8 follow from the
    frame lemmas) and [Lswitch] (a new current page, which must be a page
    table of the guest: property 7 is argued directly). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Valid Pre Post PreserveFrame.

Lemma hcall_preserves_valid :
  forall ctx s h s',
    valid_state ctx s -> Pre_hcall ctx s -> Post_hcall s h s' -> valid_state ctx s'.
Proof.
  intros ctx s h s' Hv [Hrun Huntrusted] (info & Hinfo & ->).
  apply guests_change_preserves_valid with s; auto.
  - apply update_guests_kept
      with (active_os s) info (mk_os_info (curr_page info) (Some h)); auto.
  - exists (mk_os_info (curr_page info) (Some h)). simpl. apply lookup_update_eq.
  - (* The only new pending hypercall belongs to an untrusted guest. *)
    intros o info' Ho' Htr. simpl in Ho'. rewrite lookup_update in Ho'.
    destruct (Nat.eqb (active_os s) o) eqn:E.
    + apply Nat.eqb_eq in E. subst o. congruence.
    + exact (valid_trusted_no_hcall ctx s Hv o info' Ho' Htr).
  - intros Hwait. discriminate.
  - intros _. reflexivity.
  - intros Hwait. discriminate.
Qed.

Lemma switch_preserves_valid :
  forall ctx s o s',
    valid_state ctx s -> Pre_switch s o -> Post_switch s o s' -> valid_state ctx s'.
Proof.
  intros ctx s o s' Hv [Hwait Ho] ->.
  apply guests_change_preserves_valid with s; auto.
  - apply same_oss_guests_kept. reflexivity.
  - apply (valid_trusted_no_hcall ctx s Hv).
  - intros Hrun. simpl in Hrun. congruence.
  - (* The hypervisor keeps running, already in supervisor mode. *)
    intros _. simpl. apply (valid_svc_when_privileged ctx s Hv). auto.
  - intros Hrun. simpl in Hrun. congruence.
Qed.

Lemma ret_ctrl_preserves_valid :
  forall ctx s s',
    valid_state ctx s -> Pre_ret_ctrl s -> Post_ret_ctrl s s' -> valid_state ctx s'.
Proof.
  intros ctx s s' Hv _ ->.
  apply guests_change_preserves_valid with s; auto.
  - apply same_oss_guests_kept. reflexivity.
  - apply (valid_os_tables_exist ctx s Hv).
  - apply (valid_trusted_no_hcall ctx s Hv).
  - intros Hrun. discriminate.
  - intros _. reflexivity.
  - intros Hrun. discriminate.
Qed.

Lemma chmod_preserves_valid :
  forall ctx s s',
    valid_state ctx s -> Pre_chmod s -> Post_chmod ctx s s' -> valid_state ctx s'.
Proof.
  intros ctx s s' Hv (_ & info & Hinfo & Hnone) ->.
  apply guests_change_preserves_valid with s; auto.
  - apply same_oss_guests_kept. reflexivity.
  - apply (valid_os_tables_exist ctx s Hv).
  - apply (valid_trusted_no_hcall ctx s Hv).
  - (* The guest regains the CPU only with no hypercall pending. *)
    intros _ info' Hinfo'. simpl in Hinfo'. congruence.
  - intros [Hwait|Htr]; simpl in *; [discriminate|]. now rewrite Htr.
  - intros _ Huntr. simpl in *. now rewrite Huntr.
Qed.

(** Serving an [HC_lswitch] changes [o]'s current page to [pa]; its pending
    hypercall is served as by [serve]. *)
Lemma lswitch_hcalls_kept_or_served :
  forall ctx s s' o info pa,
    lookup (oss s) o = Some info ->
    oss s' = update (oss s) o (served_info ctx o (mk_os_info pa (hcall info))) ->
    hcalls_kept_or_served s s'.
Proof.
  intros ctx s s' o info pa Ho Hoss o' info' Ho'. rewrite Hoss, lookup_update in Ho'.
  destruct (Nat.eqb o o') eqn:E; eauto.
  apply Nat.eqb_eq in E. subst o'. injection Ho' as <-.
  exists info. split; auto. simpl. destruct (trusted ctx o); auto.
Qed.

(** The new current page is a page table of [o]: it is in [hyp[o]], hence
    owned by [o] (property 5). *)
Lemma lswitch_os_tables_exist :
  forall ctx s o pa info,
    valid_state ctx s -> lookup (oss s) o = Some info ->
    (exists ma, physical s o pa ma /\ pt_page s ma) ->
    os_tables_exist
      (set_oss s (update (oss s) o (served_info ctx o (mk_os_info pa (hcall info))))).
Proof.
  intros ctx s o pa info Hv Ho (ma & (pm & Hpm & Hpa) & m & ow & Hpt).
  destruct (valid_os_tables_exist ctx s Hv) as (Hos & [info0 Hact] & Hdom).
  destruct (valid_hyp_maps_owned ctx s Hv) as [Howned _].
  unfold os_tables_exist. simpl. repeat split.
  - intros o' info' Ho'. rewrite lookup_update in Ho'.
    destruct (Nat.eqb o o') eqn:E; auto.
    apply Nat.eqb_eq in E. subst o'. injection Ho' as <-. simpl.
    destruct (Howned o pm pa ma Hpm Hpa) as (pg & Hpg & Hown).
    rewrite Hpt in Hpg. injection Hpg as <-. simpl in Hown. subst ow.
    exists pm, ma, m. auto.
  - rewrite lookup_update. destruct (Nat.eqb o (active_os s)); eauto.
  - intros o' pm' Hpm'. rewrite lookup_update.
    destruct (Nat.eqb o o'); eauto.
Qed.

Lemma lswitch_preserves_valid :
  forall ctx s o pa s',
    valid_state ctx s -> Pre_lswitch ctx s o pa -> Post_lswitch ctx s o pa s' ->
    valid_state ctx s'.
Proof.
  intros ctx s o pa s' Hv [_ Hpage] (info & Hinfo & ->).
  set (s' := set_oss s _).
  destruct (same_mem_frame ctx s s' eq_refl) as (Hown & _ & Hjust).
  destruct (control_frame ctx s s') as (H1 & H2 & H3 & H4); auto.
  { eapply lswitch_hcalls_kept_or_served; eauto. reflexivity. }
  { apply (valid_trusted_no_hcall ctx s Hv). }
  { apply (valid_running_no_hcall ctx s Hv). }
  { apply (valid_svc_when_privileged ctx s Hv). }
  { apply (valid_usr_when_untrusted ctx s Hv). }
  split_valid; auto.
  - apply hyp_maps_owned_frame with s; auto. apply (valid_hyp_maps_owned ctx s Hv).
  - apply page_tables_owned_frame with s; auto.
    + apply (valid_hyp_maps_owned ctx s Hv).
    + apply (valid_page_tables_owned ctx s Hv).
  - apply lswitch_os_tables_exist; auto.
  - apply accessible_mappings_physical_frame with s; auto.
    apply (valid_accessible_mappings_physical ctx s Hv).
Qed.
