(** Unwinding, second half: an [o]-action that succeeds in two valid
    [o]-equivalent states leads to [o]-equivalent states
    ([step_consistent]).  [Page_pin] may pick different free pages: [o]
    only sees the physical address, so the views still agree. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps MapFacts Model Actions Errors Valid Pre Post ErrorMsg.
From VirtualCert Require Import Semantics OsEquiv IsolationFacts OsAction UnwindingLocal UnwindingMemory.
Import ListNotations.

(** What being an [o]-action says about each action. *)
Definition os_action_facts (s : state) (a : action) (o : os_ident) : Prop :=
  match a with
  | Read _ | Write _ _ | Hcall _ | Ret_ctrl => activity s = Running /\ active_os s = o
  | Chmod | Read_hyper _ | Write_hyper _ _ => activity s = Waiting /\ active_os s = o
  | Switch o' => activity s = Waiting /\ (active_os s = o \/ o' = o)
  | New o' _ _ | Del o' _ | Lswitch o' _ | Page_pin o' _ _ | Page_unpin o' _ => o' = o
  | Silent => False
  end.

Lemma os_action_inv : forall ctx s a o, os_action ctx s a o -> os_action_facts s a o.
Proof.
  intros ctx s a o [[Hr [Ha H]]|[Hw H]]; destruct a; simpl in *; tauto.
Qed.

Lemma exec_ok_inv :
  forall ctx s a s', exec ctx s a Ok s' -> valid_state ctx s /\ Pre ctx s a /\ Post ctx s a s'.
Proof. intros ctx s a s' H. inversion H; subst; auto. Qed.

Lemma valid_injective :
  forall ctx s o, valid_state ctx s -> injective (lookup (hyp s) o).
Proof. intros ctx s o Hv pa1 pa2 ma. eapply valid_phys_injective; eauto. Qed.

Section StepConsistent.
Variable ctx : context.
Variable o : os_ident.

(** The control part after both sides changed it alike. *)
Lemma control_equiv_step :
  forall s1 s2 s1' s2',
    control_equiv o s1 s2 ->
    (forall k, in_dom (oss s1') k = in_dom (oss s1) k) ->
    (forall k, in_dom (oss s2') k = in_dom (oss s2) k) ->
    lookup (oss s1') o = lookup (oss s2') o ->
    (active_os s1' = o <-> active_os s2' = o) ->
    (active_os s1' = o -> activity s1' = activity s2' /\ exec_mode s1' = exec_mode s2') ->
    control_equiv o s1' s2'.
Proof.
  intros s1 s2 s1' s2' [Hd _] H1 H2 Hi Ha Hr. split; auto.
  intros k. rewrite H1, H2. apply Hd.
Qed.

Lemma serve_control_step :
  forall s1 s2,
    control_equiv o s1 s2 ->
    (forall k, in_dom (serve ctx s1 o) k = in_dom (oss s1) k) /\
    (forall k, in_dom (serve ctx s2 o) k = in_dom (oss s2) k) /\
    lookup (serve ctx s1 o) o = lookup (serve ctx s2 o) o.
Proof.
  intros s1 s2 [_ [Hi _]]. split; [|split]; auto using in_dom_serve.
  rewrite !lookup_serve_same. now rewrite Hi.
Qed.

(** The two current page tables of [o] look alike. *)
Lemma current_tables_equiv :
  forall s1 s2 p1 p2 m1 m2 ow1 ow2,
    os_equiv ctx o s1 s2 ->
    cpt s1 o = Some p1 -> lookup (mem s1) p1 = Some (mk_page (PT m1) ow1) ->
    cpt s2 o = Some p2 -> lookup (mem s2) p2 = Some (mk_page (PT m2) ow2) ->
    exists cp,
      phys_of (lookup (hyp s1) o) cp = Some p1 /\ phys_of (lookup (hyp s2) o) cp = Some p2 /\
      ow1 = ow2 /\
      forall va pa, accessible ctx va = true ->
        (pt_entry (lookup (hyp s1) o) m1 va pa <-> pt_entry (lookup (hyp s2) o) m2 va pa).
Proof.
  intros s1 s2 p1 p2 m1 m2 ow1 ow2 [[_ [Hi _]] Hm] Hc1 Hp1 Hc2 Hp2.
  rewrite cpt_phys in Hc1, Hc2. rewrite <- Hi in Hc2.
  destruct (lookup (oss s1) o) as [info|]; [|discriminate].
  exists (curr_page info). split; [|split]; auto.
  specialize (Hm (curr_page info)). rewrite Hc1, Hc2, Hp1, Hp2 in Hm.
  exact Hm.
Qed.

(** An accessible address of [o] maps to the same physical address in both. *)
Lemma maps_to_equiv :
  forall s1 s2 va ma1 ma2,
    valid_state ctx s1 -> os_equiv ctx o s1 s2 -> accessible ctx va = true ->
    maps_to s1 o va = Some ma1 -> maps_to s2 o va = Some ma2 ->
    exists pa0,
      phys_of (lookup (hyp s1) o) pa0 = Some ma1 /\ phys_of (lookup (hyp s2) o) pa0 = Some ma2.
Proof.
  intros s1 s2 va ma1 ma2 Hv1 Heq Hacc H1 H2.
  destruct (valid_maps_to_physical ctx s1 Hv1 o va ma1 H1 Hacc) as [pa0 Hpa0].
  unfold maps_to in H1, H2.
  destruct (current_table s1 o) as [m1|] eqn:Ht1; [|discriminate].
  destruct (current_table s2 o) as [m2|] eqn:Ht2; [|discriminate].
  destruct (current_table_page s1 o m1 Ht1) as [p1 [ow1 [Hc1 Hp1]]].
  destruct (current_table_page s2 o m2 Ht2) as [p2 [ow2 [Hc2 Hp2]]].
  destruct (current_tables_equiv s1 s2 p1 p2 m1 m2 ow1 ow2 Heq Hc1 Hp1 Hc2 Hp2)
    as [cp [_ [_ [_ Ht]]]].
  destruct (proj1 (Ht va pa0 Hacc) (ex_intro _ ma1 (conj H1 Hpa0))) as [x [Hx Hpx]].
  exists pa0. split; congruence.
Qed.

(** The same table edit on both sides: [va] is remapped (to the same
    physical address on both sides) or removed. *)
Lemma table_edit_consistent :
  forall s1 s2 s1' s2' f1 f2 va,
    valid_state ctx s1 -> valid_state ctx s2 -> os_equiv ctx o s1 s2 ->
    (forall m va', va' <> va -> lookup (f1 m) va' = lookup m va') ->
    (forall m va', va' <> va -> lookup (f2 m) va' = lookup m va') ->
    (forall m1 m2 pa, pt_entry (lookup (hyp s1) o) (f1 m1) va pa <->
                      pt_entry (lookup (hyp s2) o) (f2 m2) va pa) ->
    Post_table_edit ctx s1 o f1 s1' -> Post_table_edit ctx s2 o f2 s2' ->
    os_equiv ctx o s1' s2'.
Proof.
  intros s1 s2 s1' s2' f1 f2 va Hv1 Hv2 Heq Hf1 Hf2 Hva
    [p1 [m1 [ow1 [Hc1 [Hp1 ->]]]]] [p2 [m2 [ow2 [Hc2 [Hp2 ->]]]]].
  destruct (current_tables_equiv s1 s2 p1 p2 m1 m2 ow1 ow2 Heq Hc1 Hp1 Hc2 Hp2)
    as [cp [Hcp1 [Hcp2 [<- Ht]]]].
  destruct Heq as [Hctl Hmem].
  destruct (serve_control_step s1 s2 Hctl) as [Hd1 [Hd2 Hi]].
  split; simpl.
  - eapply control_equiv_step; eauto; simpl; apply Hctl.
  - eapply memory_equiv_update_at; eauto using valid_injective.
    simpl. split; auto. intros va' pa Hacc.
    destruct (Nat.eq_dec va va') as [<-|Hne]; auto.
    unfold pt_entry. rewrite (Hf1 m1 va'), (Hf2 m2 va') by congruence. apply Ht, Hacc.
Qed.

(** Pinning: [o]'s other pages and the way its tables read are unchanged,
    because the new page was free and [pa] was unused. *)
Lemma pin_unchanged :
  forall s pm pa ma pg,
    valid_state ctx s -> lookup (hyp s) o = Some pm -> lookup pm pa = None -> free s ma ->
    unchanged_except ctx pa (Some pm) (Some (update pm pa ma)) (mem s) (update (mem s) ma pg).
Proof.
  intros s pm pa ma pg Hv Hh Hnone Hfree pa' Hne. simpl.
  split; [apply lookup_update_neq; congruence|]. intros ma' Hp'.
  assert (Hp : phys_of (lookup (hyp s) o) pa' = Some ma') by now rewrite Hh.
  assert (Hown := valid_phys_owned ctx s Hv o pa' ma' Hp).
  split.
  - apply lookup_update_neq. eapply owned_by_distinct; [exact Hfree|exact Hown|discriminate].
  - destruct (lookup (mem s) ma') as [[[v|m|] ow]|] eqn:Hpg; simpl; auto.
    intros va pa3 Hacc. apply pt_entry_same_preimages. intros pa4 x Hx.
    pose proof (valid_phys_table_entry_owned ctx s Hv o pa' ma' m ow va x Hp Hpg Hx) as Hxo.
    rewrite Hacc in Hxo. simpl.
    assert (x <> ma) by (eapply owned_by_distinct; [exact Hxo|exact Hfree|discriminate]).
    destruct (Nat.eq_dec pa pa4) as [<-|Hne4].
    + rewrite lookup_update_eq, Hnone. split; congruence.
    + now rewrite lookup_update_neq.
Qed.

(** Unpinning: the page leaves [o]'s view, and no table of [o] mapped it. *)
Lemma unpin_unchanged :
  forall s pm pa ma pg,
    valid_state ctx s -> lookup (hyp s) o = Some pm -> lookup pm pa = Some ma ->
    ~ mapped_by_own_table s o ma ->
    unchanged_except ctx pa (Some pm) (Some (remove pm pa)) (mem s) (update (mem s) ma pg).
Proof.
  intros s pm pa ma pg Hv Hh Hpa Hnot pa' Hne. simpl.
  split; [apply lookup_remove_neq; congruence|]. intros ma' Hp'.
  assert (Hp : phys_of (lookup (hyp s) o) pa' = Some ma') by now rewrite Hh.
  assert (Hown := valid_phys_owned ctx s Hv o pa' ma' Hp).
  split.
  - apply lookup_update_neq. intros E. apply Hne.
    apply (valid_phys_injective ctx s Hv o pa' pa ma'); auto.
    rewrite Hh. simpl. congruence.
  - destruct (lookup (mem s) ma') as [[[v|m|] ow]|] eqn:Hpg; simpl; auto.
    destruct Hown as [pg' [Hpg' Ho]]. rewrite Hpg in Hpg'. injection Hpg' as <-.
    simpl in Ho; subst ow.
    intros va pa3 Hacc. apply pt_entry_same_preimages. intros pa4 x Hx. simpl.
    destruct (Nat.eq_dec pa pa4) as [<-|Hne4].
    + rewrite lookup_remove_eq, Hpa. split; [|discriminate].
      intros [= ->]. exfalso. apply Hnot. exists ma', m, va. auto.
    + now rewrite lookup_remove_neq.
Qed.

Theorem step_consistent :
  forall s1 s2 a s1' s2',
    os_equiv ctx o s1 s2 -> os_action ctx s1 a o -> os_action ctx s2 a o ->
    exec ctx s1 a Ok s1' -> exec ctx s2 a Ok s2' -> os_equiv ctx o s1' s2'.
Proof.
  intros s1 s2 a s1' s2' Heq Ho1 Ho2 Hex1 Hex2.
  destruct (exec_ok_inv _ _ _ _ Hex1) as [Hv1 [Hpre1 Hpost1]].
  destruct (exec_ok_inv _ _ _ _ Hex2) as [Hv2 [Hpre2 Hpost2]].
  apply os_action_inv in Ho1, Ho2.
  pose proof Heq as [Hctl Hmem].
  destruct a; simpl in Ho1, Ho2, Hpre1, Hpre2, Hpost1, Hpost2; try contradiction.
  - (* Read *) now subst.
  - (* Write: the same physical page of [o] gets the same value *)
    destruct Ho1 as [_ Ha1], Ho2 as [_ Ha2], Hpre1 as [_ [Hacc _]].
    destruct Hpost1 as [ma1 [pg1 [Hm1 [Hl1 ->]]]], Hpost2 as [ma2 [pg2 [Hm2 [Hl2 ->]]]].
    unfold va_mapped_to_ma in Hm1, Hm2. rewrite Ha1 in Hm1. rewrite Ha2 in Hm2.
    destruct (maps_to_equiv s1 s2 va ma1 ma2 Hv1 Heq Hacc Hm1 Hm2) as [pa0 [P1 P2]].
    split; [exact Hctl|simpl].
    eapply memory_equiv_update_at; eauto using valid_injective.
    specialize (Hmem pa0). rewrite P1, P2, Hl1, Hl2 in Hmem. destruct Hmem as [Hown _].
    simpl. auto.
  - (* Read_hyper *) now subst.
  - (* Write_hyper: a hypervisor page, outside both views *)
    destruct Hpre1 as [_ [Hacc _]].
    destruct Hpost1 as [ma1 [pg1 [Hm1 [_ ->]]]], Hpost2 as [ma2 [pg2 [Hm2 [_ ->]]]].
    eapply os_equiv_trans; [apply os_equiv_sym; eapply write_hyper_invisible; eauto|].
    eapply os_equiv_trans; [exact Heq|eapply write_hyper_invisible; eauto].
  - (* Hcall *)
    destruct Ho1 as [_ Ha1], Ho2 as [_ Ha2].
    destruct Hpost1 as [info1 [Hi1 ->]], Hpost2 as [info2 [Hi2 ->]].
    rewrite Ha1 in Hi1 |- *. rewrite Ha2 in Hi2 |- *.
    assert (info1 = info2) as <- by (destruct Hctl as [_ [Hi _]]; congruence).
    split; [|exact Hmem].
    eapply control_equiv_step; [exact Hctl| | | | |]; simpl; auto.
    + intros k. eapply in_dom_update_present; eauto.
    + intros k. eapply in_dom_update_present; eauto.
    + now rewrite !lookup_update_eq.
    + tauto.
  - (* New *)
    subst o0. destruct Hpost1 as [pm1 [ma1 [Hh1 [Hpa1 Hed1]]]].
    destruct Hpost2 as [pm2 [ma2 [Hh2 [Hpa2 Hed2]]]].
    destruct Hpre1 as [_ [Hacc _]].
    assert (P1 : phys_of (lookup (hyp s1) o) pa = Some ma1) by now rewrite Hh1.
    assert (P2 : phys_of (lookup (hyp s2) o) pa = Some ma2) by now rewrite Hh2.
    eapply (table_edit_consistent s1 s2 _ _ _ _ va Hv1 Hv2 Heq); eauto.
    + intros m va' Hne. apply lookup_update_neq. congruence.
    + intros m va' Hne. apply lookup_update_neq. congruence.
    + intros m1 m2 pa'.
      rewrite (pt_entry_update_injective _ m1 va ma1 pa pa' (valid_injective ctx s1 o Hv1) P1).
      rewrite (pt_entry_update_injective _ m2 va ma2 pa pa' (valid_injective ctx s2 o Hv2) P2).
      tauto.
  - (* Del *)
    subst o0. eapply (table_edit_consistent s1 s2 _ _ _ _ va Hv1 Hv2 Heq); eauto.
    + intros m va' Hne. apply lookup_remove_neq. congruence.
    + intros m va' Hne. apply lookup_remove_neq. congruence.
    + intros m1 m2 pa'. split; intros H; exfalso; eapply pt_entry_remove_eq; eauto.
  - (* Lswitch *)
    subst o0. destruct Hpost1 as [info1 [Hi1 ->]], Hpost2 as [info2 [Hi2 ->]].
    assert (info1 = info2) as <- by (destruct Hctl as [_ [Hi _]]; congruence).
    split; [|exact Hmem].
    eapply control_equiv_step; [exact Hctl| | | | |]; simpl; try apply Hctl.
    + intros k. eapply in_dom_update_present; eauto.
    + intros k. eapply in_dom_update_present; eauto.
    + now rewrite !lookup_update_eq.
  - (* Switch *)
    destruct Ho1 as [Hw1 _], Ho2 as [Hw2 _].
    red in Hpost1, Hpost2. subst s1' s2'. split; [|exact Hmem].
    eapply control_equiv_step; eauto; simpl; try tauto.
    + apply Hctl.
    + intros _. rewrite Hw1, Hw2, (valid_waiting_svc ctx s1 Hv1 Hw1).
      now rewrite (valid_waiting_svc ctx s2 Hv2 Hw2).
  - (* Ret_ctrl *)
    destruct Ho1 as [_ Ha1], Ho2 as [_ Ha2].
    red in Hpost1, Hpost2. subst s1' s2'. split; [|exact Hmem].
    eapply control_equiv_step; eauto; simpl; try tauto. apply Hctl.
  - (* Chmod *)
    destruct Ho1 as [_ Ha1], Ho2 as [_ Ha2].
    red in Hpost1, Hpost2. subst s1' s2'. split; [|exact Hmem].
    eapply control_equiv_step; eauto; simpl; rewrite ?Ha1, ?Ha2; try tauto. apply Hctl.
  - (* Page_pin: different free pages, the same physical address *)
    subst o0. destruct Hpre1 as [_ [Hnone1 _]], Hpre2 as [_ [Hnone2 _]].
    destruct Hpost1 as [ma1 [pm1 [Hfree1 [Hh1 ->]]]].
    destruct Hpost2 as [ma2 [pm2 [Hfree2 [Hh2 ->]]]].
    destruct (serve_control_step s1 s2 Hctl) as [Hd1 [Hd2 Hi]].
    split; simpl.
    + eapply control_equiv_step; eauto; simpl; apply Hctl.
    + rewrite !lookup_update_eq. rewrite Hh1, Hh2 in Hmem.
      eapply (memory_equiv_change ctx pa); eauto using pin_unchanged.
      simpl. rewrite !lookup_update_eq.
      destruct t; simpl; split; auto.
      intros va pa' _. split; intros H; exfalso; eapply pt_entry_empty; eauto.
  - (* Page_unpin *)
    subst o0. destruct Hpre1 as [_ [ma [[pm [Hh Hpa]] [_ Hnot1]]]].
    destruct Hpre2 as [_ [ma' [[pm' [Hh' Hpa'] ] [_ Hnot2]]]].
    destruct Hpost1 as [pm1 [ma1 [Hh1 [Hpa1 ->]]]].
    destruct Hpost2 as [pm2 [ma2 [Hh2 [Hpa2 ->]]]].
    assert (pm = pm1) as <- by congruence. assert (ma = ma1) as <- by congruence.
    assert (pm' = pm2) as <- by congruence. assert (ma' = ma2) as <- by congruence.
    destruct (serve_control_step s1 s2 Hctl) as [Hd1 [Hd2 Hi]].
    split; simpl.
    + eapply control_equiv_step; eauto; simpl; apply Hctl.
    + rewrite !lookup_update_eq. rewrite Hh, Hh' in Hmem.
      eapply (memory_equiv_change ctx pa); eauto using unpin_unchanged.
      simpl. now rewrite !lookup_remove_eq.
Qed.

End StepConsistent.
