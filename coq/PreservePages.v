(** Preservation of [valid_state] by the actions that move a page between a
    guest and the free pool: [Page_pin] (axiomatic version: any free page)
    and [Page_unpin].  Both change [hyp] and a page owner, so properties 5 to
    8 are argued here; properties 1 to 4 follow from [serve_control_frame]. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Valid Pre Post PreserveFrame.

(** * Page_pin *)

Section Pin.
Variable ctx : context.
Variable s : state.
Variables (o : os_ident) (pa : padd) (t : ptype) (ma : madd) (pm : map madd).
Hypothesis Hv : valid_state ctx s.
Hypothesis Hpm : lookup (hyp s) o = Some pm.
Hypothesis Hfresh : lookup pm pa = None.
Hypothesis Hfree : free s ma.

Local Notation s' :=
  (mk_state (active_os s) (exec_mode s) (activity s)
     (serve ctx s o) (update (hyp s) o (update pm pa ma))
     (update (mem s) ma (newpage t o))).

(** The new page is a table only when empty, and belongs to [o]. *)
Lemma newpage_owner : owner (newpage t o) = Os o.
Proof. now destruct t. Qed.

Lemma newpage_no_entries :
  forall m ow va, newpage t o = mk_page (PT m) ow -> lookup m va = None.
Proof. intros m ow va H. destruct t; simpl in H; inversion H; reflexivity. Qed.

(** A page that someone owns is not the free page, so it is unchanged. *)
Lemma pin_owned_unchanged :
  forall ma1 pg, lookup (mem s) ma1 = Some pg -> owner pg <> No_Owner ->
    lookup (mem s') ma1 = Some pg.
Proof.
  intros ma1 pg Hpg Hown. simpl. rewrite lookup_update_neq; auto.
  intros <-. apply Hown. apply (free_not_owned s ma); auto. exists pg. auto.
Qed.

Lemma pin_owned_by_kept :
  forall ma1 ow, owned_by s ma1 ow -> ow <> No_Owner -> owned_by s' ma1 ow.
Proof.
  intros ma1 ow (pg & Hpg & <-) Hown. exists pg. split; auto.
  apply pin_owned_unchanged; auto.
Qed.

(** Every guest-owned table of [s'] is a table of [s]: the new page has no entries. *)
Lemma pin_table_from_s :
  forall ma1 m o1 va ma',
    lookup (mem s') ma1 = Some (mk_page (PT m) (Os o1)) -> lookup m va = Some ma' ->
    lookup (mem s) ma1 = Some (mk_page (PT m) (Os o1)).
Proof.
  intros ma1 m o1 va ma' Hpg Hva. simpl in Hpg. rewrite lookup_update in Hpg.
  destruct (Nat.eqb ma ma1); auto.
  injection Hpg as Hnew. rewrite (newpage_no_entries m (Os o1) va Hnew) in Hva. discriminate.
Qed.

(** [hyp] only grows: every mapping of [s] is still there. *)
Lemma pin_hyp_extends :
  forall o1 pm1 pa1 ma1,
    lookup (hyp s) o1 = Some pm1 -> lookup pm1 pa1 = Some ma1 ->
    exists pm1', lookup (hyp s') o1 = Some pm1' /\ lookup pm1' pa1 = Some ma1.
Proof.
  intros o1 pm1 pa1 ma1 Hpm1 Hpa1. simpl. rewrite lookup_update.
  destruct (Nat.eqb o o1) eqn:E; eauto.
  apply Nat.eqb_eq in E. subst o1. rewrite Hpm in Hpm1. injection Hpm1 as <-.
  eexists. split; [reflexivity|]. rewrite lookup_update_neq; auto.
  intros <-. congruence.
Qed.

Lemma pin_hyp_maps_owned : hyp_maps_owned s'.
Proof.
  destruct (valid_hyp_maps_owned ctx s Hv) as [Howned Hinj].
  (* The free page is in no physical map. *)
  assert (Hnot : forall o1 pm1 pa1, lookup (hyp s) o1 = Some pm1 ->
                   lookup pm1 pa1 <> Some ma).
  { intros o1 pm1 pa1 Hpm1 Hpa1.
    pose proof (free_not_owned s ma (Os o1) Hfree (Howned o1 pm1 pa1 ma Hpm1 Hpa1)).
    discriminate. }
  split.
  - intros o1 pm1 pa1 ma1 Hpm1 Hpa1. simpl in Hpm1. rewrite lookup_update in Hpm1.
    destruct (Nat.eqb o o1) eqn:E.
    + apply Nat.eqb_eq in E. subst o1. injection Hpm1 as <-.
      rewrite lookup_update in Hpa1. destruct (Nat.eqb pa pa1).
      * injection Hpa1 as <-. exists (newpage t o). simpl.
        rewrite lookup_update_eq. split; auto. apply newpage_owner.
      * apply pin_owned_by_kept; [eauto|discriminate].
    + apply pin_owned_by_kept; [eauto|discriminate].
  - intros o1 pm1 pa1 pa2 ma1 Hpm1 Hpa1 Hpa2. simpl in Hpm1. rewrite lookup_update in Hpm1.
    destruct (Nat.eqb o o1) eqn:E; eauto.
    apply Nat.eqb_eq in E. subst o1. injection Hpm1 as <-.
    rewrite lookup_update in Hpa1, Hpa2.
    destruct (Nat.eqb pa pa1) eqn:E1, (Nat.eqb pa pa2) eqn:E2;
      apply Nat.eqb_eq in E1 || apply Nat.eqb_neq in E1;
      apply Nat.eqb_eq in E2 || apply Nat.eqb_neq in E2; subst; eauto.
    + injection Hpa1 as <-. exfalso. exact (Hnot o pm pa2 Hpm Hpa2).
    + injection Hpa2 as <-. exfalso. exact (Hnot o pm pa1 Hpm Hpa1).
Qed.

Lemma pin_page_tables_owned : page_tables_owned ctx s'.
Proof.
  intros ma1 m o1 va ma' Hpg Hva.
  pose proof (pin_table_from_s ma1 m o1 va ma' Hpg Hva) as Hpg0.
  apply pin_owned_by_kept.
  - exact (valid_page_tables_owned ctx s Hv ma1 m o1 va ma' Hpg0 Hva).
  - destruct (accessible ctx va); discriminate.
Qed.

Lemma pin_os_tables_exist : os_tables_exist s'.
Proof.
  destruct (valid_os_tables_exist ctx s Hv) as (Hos & _ & Hdom).
  assert (Hguests : guests_kept s s') by (eapply serve_guests_kept; reflexivity).
  repeat split.
  - intros o1 info' Ho1'. specialize (Hguests o1). rewrite Ho1' in Hguests.
    destruct (lookup (oss s) o1) as [info|] eqn:Ho1; [|discriminate].
    injection Hguests as Hcurr. rewrite Hcurr.
    destruct (Hos o1 info Ho1) as (pm1 & ma1 & m1 & Hpm1 & Hma1 & Hpg1).
    destruct (pin_hyp_extends o1 pm1 (curr_page info) ma1 Hpm1 Hma1) as (pm1' & Hpm1' & Hma1').
    exists pm1', ma1, m1. repeat split; auto.
    apply pin_owned_unchanged; auto. discriminate.
  - apply (guests_kept_active_exists ctx s s'); auto.
  - intros o1 pm1' Hpm1'. simpl in Hpm1'. rewrite lookup_update in Hpm1'.
    specialize (Hguests o1).
    destruct (Nat.eqb o o1) eqn:E.
    + apply Nat.eqb_eq in E. subst o1. destruct (Hdom o pm Hpm) as [info Ho].
      rewrite Ho in Hguests. destruct (lookup (oss s') o); [eauto|discriminate].
    + destruct (Hdom o1 pm1' Hpm1') as [info Ho1].
      rewrite Ho1 in Hguests. destruct (lookup (oss s') o1); [eauto|discriminate].
Qed.

Lemma pin_accessible_mappings_physical : accessible_mappings_physical ctx s'.
Proof.
  intros ma1 m o1 va ma' Hpg Hva Hacc.
  pose proof (pin_table_from_s ma1 m o1 va ma' Hpg Hva) as Hpg0.
  destruct (valid_accessible_mappings_physical ctx s Hv ma1 m o1 va ma' Hpg0 Hva Hacc)
    as (pm1 & pa1 & Hpm1 & Hpa1).
  destruct (pin_hyp_extends o1 pm1 pa1 ma' Hpm1 Hpa1) as (pm1' & Hpm1' & Hpa1'). eauto.
Qed.

End Pin.

Lemma page_pin_preserves_valid :
  forall ctx s o pa t s',
    valid_state ctx s -> Pre_page_pin ctx s o pa t -> Post_page_pin ctx s o pa t s' ->
    valid_state ctx s'.
Proof.
  intros ctx s o pa t s' Hv (_ & Hfresh & _) (ma & pm & Hfree & Hpm & ->).
  destruct (serve_control_frame ctx s
              (mk_state (active_os s) (exec_mode s) (activity s)
                 (serve ctx s o) (update (hyp s) o (update pm pa ma))
                 (update (mem s) ma (newpage t o))) o)
    as (H1 & H2 & H3 & H4); auto.
  split_valid; auto.
  - apply pin_hyp_maps_owned; auto.
  - apply pin_page_tables_owned; auto.
  - apply pin_os_tables_exist; auto.
  - apply pin_accessible_mappings_physical; auto.
Qed.

(** * Page_unpin *)

Section Unpin.
Variable ctx : context.
Variable s : state.
Variables (o : os_ident) (pa : padd) (ma : madd) (pm : map madd).
Hypothesis Hv : valid_state ctx s.
Hypothesis Hpm : lookup (hyp s) o = Some pm.
Hypothesis Hpa : lookup pm pa = Some ma.
Hypothesis Hnot_current : forall info, lookup (oss s) o = Some info -> curr_page info <> pa.
Hypothesis Hunmapped : ~ mapped_by_own_table s o ma.

Local Notation s' :=
  (mk_state (active_os s) (exec_mode s) (activity s)
     (serve ctx s o) (update (hyp s) o (remove pm pa))
     (update (mem s) ma (mk_page Other No_Owner))).

Lemma unpin_page_owned : owned_by s ma (Os o).
Proof. exact (proj1 (valid_hyp_maps_owned ctx s Hv) o pm pa ma Hpm Hpa). Qed.

(** [hyp] only shrinks, by the mapping of [pa] in [o]'s map. *)
Lemma unpin_hyp_shrinks :
  forall o1 pm1' pa1 ma1,
    lookup (hyp s') o1 = Some pm1' -> lookup pm1' pa1 = Some ma1 ->
    exists pm1, lookup (hyp s) o1 = Some pm1 /\ lookup pm1 pa1 = Some ma1 /\
      (o1 = o -> pa1 <> pa).
Proof.
  intros o1 pm1' pa1 ma1 Hpm1' Hpa1. simpl in Hpm1'. rewrite lookup_update in Hpm1'.
  destruct (Nat.eqb o o1) eqn:E.
  - apply Nat.eqb_eq in E. subst o1. injection Hpm1' as <-.
    rewrite lookup_remove in Hpa1. destruct (Nat.eqb pa pa1) eqn:E1; [discriminate|].
    apply Nat.eqb_neq in E1. exists pm. auto.
  - apply Nat.eqb_neq in E. exists pm1'. split; [exact Hpm1'|split; [exact Hpa1|]].
    intros ->. contradiction.
Qed.

(** No remaining physical mapping reaches the unpinned page: [o]'s other
    mappings by injectivity, other guests' mappings by ownership. *)
Lemma unpin_hyp_avoids :
  forall o1 pm1 pa1 ma1,
    lookup (hyp s) o1 = Some pm1 -> lookup pm1 pa1 = Some ma1 -> (o1 = o -> pa1 <> pa) ->
    ma1 <> ma.
Proof.
  intros o1 pm1 pa1 ma1 Hpm1 Hpa1 Hne ->.
  destruct (valid_hyp_maps_owned ctx s Hv) as [Howned Hinj].
  pose proof (owned_by_unique s ma (Os o1) (Os o)
                (Howned o1 pm1 pa1 ma Hpm1 Hpa1) unpin_page_owned) as Ho.
  injection Ho as ->. rewrite Hpm in Hpm1. injection Hpm1 as <-.
  exact (Hne eq_refl (Hinj o pm pa1 pa ma Hpm Hpa1 Hpa)).
Qed.

(** No guest-owned page table maps the unpinned page: [o]'s by the
    precondition, other guests' by property 6 and ownership. *)
Lemma unpin_tables_avoid :
  forall ma1 m o1 va ma',
    lookup (mem s) ma1 = Some (mk_page (PT m) (Os o1)) -> lookup m va = Some ma' ->
    ma' <> ma.
Proof.
  intros ma1 m o1 va ma' Hpg Hva ->.
  destruct (Nat.eq_dec o1 o) as [->|Hne].
  - apply Hunmapped. exists ma1, m, va. auto.
  - pose proof (owned_by_unique s ma _ (Os o)
                  (valid_page_tables_owned ctx s Hv ma1 m o1 va ma Hpg Hva)
                  unpin_page_owned) as Ho.
    destruct (accessible ctx va); injection Ho || discriminate Ho. auto.
Qed.

Lemma unpin_other_unchanged :
  forall ma1, ma1 <> ma -> lookup (mem s') ma1 = lookup (mem s) ma1.
Proof. intros ma1 Hne. simpl. apply lookup_update_neq. auto. Qed.

(** Every guest-owned table of [s'] is a table of [s]: the scrubbed page is no table. *)
Lemma unpin_table_from_s :
  forall ma1 m o1,
    lookup (mem s') ma1 = Some (mk_page (PT m) (Os o1)) ->
    lookup (mem s) ma1 = Some (mk_page (PT m) (Os o1)).
Proof.
  intros ma1 m o1 Hpg. simpl in Hpg. rewrite lookup_update in Hpg.
  destruct (Nat.eqb ma ma1); [discriminate|auto].
Qed.

Lemma unpin_hyp_maps_owned : hyp_maps_owned s'.
Proof.
  destruct (valid_hyp_maps_owned ctx s Hv) as [Howned Hinj]. split.
  - intros o1 pm1' pa1 ma1 Hpm1' Hpa1.
    destruct (unpin_hyp_shrinks o1 pm1' pa1 ma1 Hpm1' Hpa1) as (pm1 & Hpm1 & Hpa1' & Hne).
    destruct (Howned o1 pm1 pa1 ma1 Hpm1 Hpa1') as (pg & Hpg & Hown).
    exists pg. rewrite unpin_other_unchanged; eauto using unpin_hyp_avoids.
  - intros o1 pm1' pa1 pa2 ma1 Hpm1' Hpa1 Hpa2.
    destruct (unpin_hyp_shrinks o1 pm1' pa1 ma1 Hpm1' Hpa1) as (pm1 & Hpm1 & Hpa1' & _).
    destruct (unpin_hyp_shrinks o1 pm1' pa2 ma1 Hpm1' Hpa2) as (pm2 & Hpm2 & Hpa2' & _).
    rewrite Hpm1 in Hpm2. injection Hpm2 as <-. eauto.
Qed.

Lemma unpin_page_tables_owned : page_tables_owned ctx s'.
Proof.
  intros ma1 m o1 va ma' Hpg Hva.
  pose proof (unpin_table_from_s ma1 m o1 Hpg) as Hpg0.
  destruct (valid_page_tables_owned ctx s Hv ma1 m o1 va ma' Hpg0 Hva) as (pg & Hpg' & Hown).
  exists pg. rewrite unpin_other_unchanged; eauto using unpin_tables_avoid.
Qed.

Lemma unpin_os_tables_exist : os_tables_exist s'.
Proof.
  destruct (valid_os_tables_exist ctx s Hv) as (Hos & _ & Hdom).
  assert (Hguests : guests_kept s s') by (eapply serve_guests_kept; reflexivity).
  repeat split.
  - intros o1 info' Ho1'. pose proof (Hguests o1) as Hg. rewrite Ho1' in Hg.
    destruct (lookup (oss s) o1) as [info|] eqn:Ho1; [|discriminate].
    injection Hg as Hcurr. rewrite Hcurr.
    destruct (Hos o1 info Ho1) as (pm1 & ma1 & m1 & Hpm1 & Hma1 & Hpg1).
    (* The current page is not [pa], so it keeps its mapping. *)
    assert (Hne : o1 = o -> curr_page info <> pa) by (intros ->; auto).
    exists (if Nat.eqb o o1 then remove pm pa else pm1), ma1, m1. simpl.
    rewrite lookup_update. repeat split.
    + destruct (Nat.eqb o o1); auto.
    + destruct (Nat.eqb o o1) eqn:E; auto.
      apply Nat.eqb_eq in E. subst o1. rewrite Hpm in Hpm1. injection Hpm1 as <-.
      rewrite lookup_remove_neq; auto.
      intros Heq. exact (Hne eq_refl (eq_sym Heq)).
    + rewrite lookup_update_neq; auto.
      intros Heq. symmetry in Heq. exact (unpin_hyp_avoids o1 pm1 _ ma1 Hpm1 Hma1 Hne Heq).
  - apply (guests_kept_active_exists ctx s s'); auto.
  - intros o1 pm1' Hpm1'. simpl in Hpm1'. rewrite lookup_update in Hpm1'.
    specialize (Hguests o1).
    destruct (Nat.eqb o o1) eqn:E.
    + apply Nat.eqb_eq in E. subst o1. destruct (Hdom o pm Hpm) as [info Ho].
      rewrite Ho in Hguests. destruct (lookup (oss s') o); [eauto|discriminate].
    + destruct (Hdom o1 pm1' Hpm1') as [info Ho1].
      rewrite Ho1 in Hguests. destruct (lookup (oss s') o1); [eauto|discriminate].
Qed.

Lemma unpin_accessible_mappings_physical : accessible_mappings_physical ctx s'.
Proof.
  intros ma1 m o1 va ma' Hpg Hva Hacc.
  pose proof (unpin_table_from_s ma1 m o1 Hpg) as Hpg0.
  destruct (valid_accessible_mappings_physical ctx s Hv ma1 m o1 va ma' Hpg0 Hva Hacc)
    as (pm1 & pa1 & Hpm1 & Hpa1).
  pose proof (unpin_tables_avoid ma1 m o1 va ma' Hpg0 Hva) as Hne.
  simpl. rewrite lookup_update. destruct (Nat.eqb o o1) eqn:E.
  - apply Nat.eqb_eq in E. subst o1. rewrite Hpm in Hpm1. injection Hpm1 as <-.
    (* [pa] maps to the unpinned page, which no table of [o] reaches. *)
    exists (remove pm pa), pa1. split; auto.
    rewrite lookup_remove_neq; auto. intros ->. congruence.
  - eauto.
Qed.

End Unpin.

Lemma page_unpin_preserves_valid :
  forall ctx s o pa s',
    valid_state ctx s -> Pre_page_unpin ctx s o pa -> Post_page_unpin ctx s o pa s' ->
    valid_state ctx s'.
Proof.
  intros ctx s o pa s' Hv (_ & ma0 & (pm0 & Hpm0 & Hpa0) & Hnot_current & Hunmapped)
    (pm & ma & Hpm & Hpa & ->).
  rewrite Hpm in Hpm0. injection Hpm0 as <-. rewrite Hpa in Hpa0. injection Hpa0 as <-.
  destruct (serve_control_frame ctx s
              (mk_state (active_os s) (exec_mode s) (activity s)
                 (serve ctx s o) (update (hyp s) o (remove pm pa))
                 (update (mem s) ma (mk_page Other No_Owner))) o)
    as (H1 & H2 & H3 & H4); auto.
  split_valid; auto.
  - apply unpin_hyp_maps_owned; auto.
  - apply unpin_page_tables_owned; auto.
  - apply unpin_os_tables_exist; auto.
  - apply unpin_accessible_mappings_physical; auto.
Qed.
