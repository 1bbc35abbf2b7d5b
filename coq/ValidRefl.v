(** Reflection for the decision procedure of [ValidDec.v]: every boolean
    check is equivalent to its property of [Valid.v], [valid_state_b]
    decides [valid_state], and [first_invalid] names the first property (in
    MODEL.md's order) that fails while all earlier ones hold. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps MapFacts MapIndex Model Valid ValidDec.
Import ListNotations.

(** * Small boolean equalities *)

Lemma is_none_true : forall (A : Type) (x : option A), is_none x = true <-> x = None.
Proof. intros A [a|]; simpl; split; congruence. Qed.

Lemma page_owner_eqb_eq : forall a b, page_owner_eqb a b = true <-> a = b.
Proof.
  intros [|o|] [|o'|]; simpl; try (split; congruence).
  rewrite Nat.eqb_eq. split; congruence.
Qed.

Lemma mode_eqb_eq : forall a b, mode_eqb a b = true <-> a = b.
Proof. intros [] []; simpl; split; congruence. Qed.

(** The position of [x] found by [find]: everything before it fails [f].
    A list fact, not a map fact, so it lives here rather than in MapFacts. *)
Lemma find_some_prefix :
  forall (A : Type) (f : A -> bool) l x,
    find f l = Some x ->
    exists pre post, l = pre ++ x :: post /\ forall y, In y pre -> f y = false.
Proof.
  intros A f l x. induction l as [|y l IH]; simpl; [discriminate|].
  destruct (f y) eqn:Hy; intros H.
  - injection H as <-. exists [], l. split; [reflexivity | intros _ []].
  - destruct (IH H) as (pre & post & -> & Hpre).
    exists (y :: pre), post. split; [reflexivity|].
    intros z [<-|Hz]; auto.
Qed.

Section ValidRefl.
Variable ctx : context.
Variable s : state.

(** The Prop of [Valid.v] that each constructor names. *)
Definition property (p : vs_property) : Prop :=
  match p with
  | Trusted_no_hcall => trusted_no_hcall ctx s
  | Running_no_hcall => running_no_hcall s
  | Svc_when_privileged => svc_when_privileged ctx s
  | Usr_when_untrusted => usr_when_untrusted ctx s
  | Hyp_maps_owned => hyp_maps_owned s
  | Page_tables_owned => page_tables_owned ctx s
  | Os_tables_exist => os_tables_exist s
  | Accessible_mappings_physical => accessible_mappings_physical ctx s
  end.

(** * One reflection lemma per property *)

Lemma owned_by_b_spec :
  forall ma ow, owned_by_b s ma ow = true <-> owned_by s ma ow.
Proof.
  intros ma ow. unfold owned_by_b, owned_by.
  destruct (lookup (mem s) ma) as [pg|]; split.
  - intros H. exists pg. split; [reflexivity|]. now apply page_owner_eqb_eq.
  - intros (pg' & Hl & Ho). injection Hl as <-. now apply page_owner_eqb_eq.
  - discriminate.
  - intros (pg' & Hl & _). discriminate.
Qed.

Lemma lookup_hyp_index :
  forall o,
    lookup (hyp_index s) o =
    match lookup (hyp s) o with Some pm => Some (pm, inverse pm) | None => None end.
Proof.
  intros o. unfold hyp_index.
  rewrite (lookup_map_values (fun pm => (pm, inverse pm))). reflexivity.
Qed.

Lemma trusted_no_hcall_b_spec : trusted_no_hcall_b ctx s = true <-> trusted_no_hcall ctx s.
Proof.
  unfold trusted_no_hcall_b, trusted_no_hcall. rewrite forall_bindings_spec.
  split; intros H o info Hl; specialize (H o info Hl).
  - intros Ht. rewrite Ht in H. now apply is_none_true.
  - destruct (trusted ctx o); simpl; [apply is_none_true; auto | reflexivity].
Qed.

Lemma running_no_hcall_b_spec : running_no_hcall_b s = true <-> running_no_hcall s.
Proof.
  unfold running_no_hcall_b, running_no_hcall.
  destruct (activity s); [|split; [discriminate | reflexivity]].
  destruct (lookup (oss s) (active_os s)) as [info|]; split.
  - intros H _ info' Hi. injection Hi as <-. now apply is_none_true.
  - intros H. apply is_none_true. auto.
  - intros _ _ info' Hi. discriminate.
  - reflexivity.
Qed.

Lemma svc_when_privileged_b_spec :
  svc_when_privileged_b ctx s = true <-> svc_when_privileged ctx s.
Proof.
  unfold svc_when_privileged_b, svc_when_privileged.
  destruct (activity s), (trusted ctx (active_os s)), (exec_mode s); simpl;
    split; intros H; try reflexivity; try discriminate;
    try (intros _; reflexivity).
  (* the remaining cases: the mode contradicts the premise, or no premise holds *)
  - assert (Usr = Svc) by (apply H; right; reflexivity). discriminate.
  - intros [E|E]; discriminate.
  - assert (Usr = Svc) by (apply H; left; reflexivity). discriminate.
  - assert (Usr = Svc) by (apply H; left; reflexivity). discriminate.
Qed.

Lemma usr_when_untrusted_b_spec :
  usr_when_untrusted_b ctx s = true <-> usr_when_untrusted ctx s.
Proof.
  unfold usr_when_untrusted_b, usr_when_untrusted.
  destruct (activity s), (trusted ctx (active_os s)), (exec_mode s); simpl;
    split; intros H; try reflexivity; try discriminate;
    try (intros _ _; reflexivity); try (intros _ Ht; discriminate).
  exfalso; assert (Svc = Usr) by auto; discriminate.
Qed.

Lemma injective_b_spec :
  forall pm,
    injective_b pm (inverse pm) = true <->
    (forall pa1 pa2 ma, lookup pm pa1 = Some ma -> lookup pm pa2 = Some ma -> pa1 = pa2).
Proof.
  intros pm. unfold injective_b. rewrite forall_bindings_spec. split.
  - intros H pa1 pa2 ma H1 H2. pose proof (H _ _ H1) as E1. pose proof (H _ _ H2) as E2.
    cbv beta in E1, E2. unfold padd in *.
    destruct (lookup (inverse pm) ma); [|discriminate].
    apply Nat.eqb_eq in E1, E2. congruence.
  - intros H pa ma Hp. unfold padd. destruct (lookup (inverse pm) ma) as [pa'|] eqn:Hi.
    + apply lookup_inverse_some in Hi. apply Nat.eqb_eq. eauto.
    + exfalso. exact (lookup_inverse_none pm ma Hi pa Hp).
Qed.

Lemma hyp_maps_owned_b_spec :
  hyp_maps_owned_b s (hyp_index s) = true <-> hyp_maps_owned s.
Proof.
  unfold hyp_maps_owned_b, hyp_maps_owned. rewrite forall_bindings_spec.
  setoid_rewrite lookup_hyp_index. split.
  - intros H. split.
    + intros o pm pa ma Ho Hp. specialize (H o pm Ho). rewrite Ho in H.
      apply andb_true_iff in H as [H _]. rewrite forall_bindings_spec in H.
      apply owned_by_b_spec. exact (H pa ma Hp).
    + intros o pm pa1 pa2 ma Ho H1 H2. specialize (H o pm Ho). rewrite Ho in H.
      apply andb_true_iff in H as [_ H]. eapply injective_b_spec; eauto.
  - intros [Hown Hinj] o pm Ho. rewrite Ho. apply andb_true_iff. split.
    + apply forall_bindings_spec. intros pa ma Hp. apply owned_by_b_spec. eauto.
    + apply injective_b_spec. eauto.
Qed.

Lemma page_tables_owned_b_spec :
  page_tables_owned_b ctx s = true <-> page_tables_owned ctx s.
Proof.
  unfold page_tables_owned_b, page_tables_owned. rewrite forall_bindings_spec. split.
  - intros H ma m o va ma' Hma Hva. specialize (H ma _ Hma). cbv beta iota in H.
    rewrite forall_bindings_spec in H. apply owned_by_b_spec. exact (H va ma' Hva).
  - intros H ma [[v|m|] [|o|]] Hma; try reflexivity. cbv beta iota.
    apply forall_bindings_spec. intros va ma' Hva. apply owned_by_b_spec. eauto.
Qed.

Lemma current_table_owned_b_spec :
  forall o info,
    current_table_owned_b s (hyp_index s) o info = true <->
    exists pm ma m,
      lookup (hyp s) o = Some pm /\ lookup pm (curr_page info) = Some ma /\
      lookup (mem s) ma = Some (mk_page (PT m) (Os o)).
Proof.
  intros o info. unfold current_table_owned_b. rewrite lookup_hyp_index. split.
  - destruct (lookup (hyp s) o) as [pm|] eqn:Hh; [|discriminate].
    destruct (lookup pm (curr_page info)) as [ma|] eqn:Hp; [|discriminate].
    destruct (lookup (mem s) ma) as [[[v|m|] [|o'|]]|] eqn:Hm; try discriminate.
    intros E. apply Nat.eqb_eq in E. subst o'. eauto 6.
  - intros (pm & ma & m & Hh & Hp & Hm). rewrite Hh, Hp, Hm. apply Nat.eqb_refl.
Qed.

Lemma os_tables_exist_b_spec :
  os_tables_exist_b s (hyp_index s) = true <-> os_tables_exist s.
Proof.
  unfold os_tables_exist_b, os_tables_exist.
  rewrite !andb_true_iff, !forall_bindings_spec. split.
  - intros [[Hcur Hact] Hdom]. split; [|split].
    + intros o info Hl. apply current_table_owned_b_spec. exact (Hcur o info Hl).
    + now apply in_dom_lookup.
    + intros o pm Hl. apply in_dom_lookup. exact (Hdom o pm Hl).
  - intros (Hcur & Hact & Hdom). split; [split|].
    + intros o info Hl. apply current_table_owned_b_spec. auto.
    + now apply in_dom_lookup.
    + intros o pm Hl. apply in_dom_lookup. exact (Hdom o pm Hl).
Qed.

(** The inner check of property 8: [hyp s] maps some [pa] of [o] to [ma']. *)
Lemma physical_target_b_spec :
  forall o ma',
    match lookup (hyp_index s) o with
    | Some (_, inv) => negb (is_none (lookup inv ma'))
    | None => false
    end = true <->
    exists pm pa, lookup (hyp s) o = Some pm /\ lookup pm pa = Some ma'.
Proof.
  intros o ma'. rewrite lookup_hyp_index. unfold padd.
  destruct (lookup (hyp s) o) as [pm|]; split.
  - destruct (lookup (inverse pm) ma') as [pa|] eqn:Hi; [|discriminate].
    intros _. apply lookup_inverse_some in Hi. eauto.
  - intros (pm' & pa & Hpm & Hp). injection Hpm as <-.
    destruct (lookup (inverse pm) ma') eqn:Hi; [reflexivity|].
    exfalso. exact (lookup_inverse_none pm ma' Hi pa Hp).
  - discriminate.
  - intros (pm' & pa & Hpm & _). discriminate.
Qed.

Lemma accessible_mappings_physical_b_spec :
  accessible_mappings_physical_b ctx s (hyp_index s) = true <->
  accessible_mappings_physical ctx s.
Proof.
  unfold accessible_mappings_physical_b, accessible_mappings_physical.
  rewrite forall_bindings_spec. split.
  - intros H ma m o va ma' Hma Hva Hacc. specialize (H ma _ Hma). cbv beta iota in H.
    rewrite forall_bindings_spec in H. specialize (H va ma' Hva).
    rewrite Hacc in H. simpl in H. now apply physical_target_b_spec.
  - intros H ma [[v|m|] [|o|]] Hma; try reflexivity. cbv beta iota.
    apply forall_bindings_spec. intros va ma' Hva.
    destruct (accessible ctx va) eqn:Hacc; simpl; [|reflexivity].
    apply physical_target_b_spec. eauto.
Qed.

(** * The decision procedures *)

Theorem property_b_reflect : forall p, property_b ctx s p = true <-> property p.
Proof.
  intros []; simpl.
  - apply trusted_no_hcall_b_spec.
  - apply running_no_hcall_b_spec.
  - apply svc_when_privileged_b_spec.
  - apply usr_when_untrusted_b_spec.
  - apply hyp_maps_owned_b_spec.
  - apply page_tables_owned_b_spec.
  - apply os_tables_exist_b_spec.
  - apply accessible_mappings_physical_b_spec.
Qed.

Lemma all_properties_complete : forall p, In p all_properties.
Proof. intros []; simpl; tauto. Qed.

Lemma valid_state_all_properties : valid_state ctx s <-> forall p, property p.
Proof.
  unfold valid_state. split.
  - intros (H1 & H2 & H3 & H4 & H5 & H6 & H7 & H8) []; assumption.
  - intros H.
    exact (conj (H Trusted_no_hcall) (conj (H Running_no_hcall)
          (conj (H Svc_when_privileged) (conj (H Usr_when_untrusted)
          (conj (H Hyp_maps_owned) (conj (H Page_tables_owned)
          (conj (H Os_tables_exist) (H Accessible_mappings_physical)))))))).
Qed.

Theorem first_invalid_none : first_invalid ctx s = None <-> valid_state ctx s.
Proof.
  unfold first_invalid, first_invalid_ix. rewrite find_none_iff, valid_state_all_properties.
  split.
  - intros H p. apply property_b_reflect.
    apply negb_false_iff, H, all_properties_complete.
  - intros H p _. apply negb_false_iff, property_b_reflect, H.
Qed.

Theorem first_invalid_sound :
  forall p, first_invalid ctx s = Some p -> ~ property p.
Proof.
  intros p H Hp. apply find_some in H as [_ Hb].
  change (negb (property_b ctx s p) = true) in Hb. apply property_b_reflect in Hp. rewrite Hp in Hb. discriminate.
Qed.

(** The properties listed before the one [first_invalid] names all hold. *)
Theorem first_invalid_earlier_hold :
  forall p, first_invalid ctx s = Some p ->
  exists pre post, all_properties = pre ++ p :: post /\ forall q, In q pre -> property q.
Proof.
  intros p H. apply find_some_prefix in H as (pre & post & Hl & Hpre).
  exists pre, post. split; [exact Hl|].
  intros q Hq. apply property_b_reflect, negb_false_iff, Hpre, Hq.
Qed.

Theorem valid_state_b_iff : valid_state_b ctx s = true <-> valid_state ctx s.
Proof. unfold valid_state_b. rewrite is_none_true. apply first_invalid_none. Qed.

End ValidRefl.
