(** Reflection for the executable precondition check of [Step.v]:
    [pre_error] answers [None] exactly when [Pre] holds, and any code it
    answers is admitted by [ErrorMsg].  Neither needs a valid state: the
    checks read the same fields as the Props, for any state. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Pre ErrorMsg Step.

Lemma activity_eqb_spec : forall a b, reflect (a = b) (activity_eqb a b).
Proof. intros [] []; simpl; constructor; congruence. Qed.

Lemma hyper_call_eqb_refl : forall h, hyper_call_eqb h h = true.
Proof. intros h. now apply hyper_call_eqb_eq. Qed.

Lemma then_check_none :
  forall e k, then_check e k = None <-> e = None /\ k = None.
Proof.
  intros [ec|] k; simpl; split.
  - discriminate.
  - intros [H _]. discriminate.
  - intros H. split; [reflexivity | exact H].
  - intros [_ H]. exact H.
Qed.

Lemma then_check_some :
  forall e k ec, then_check e k = Some ec -> e = Some ec \/ (e = None /\ k = Some ec).
Proof. intros [ec'|] k ec; simpl; intros H; [left | right]; auto. Qed.

Section PreRefl.
Variable ctx : context.
Variable s : state.

(** * The gate of privileged actions *)

Lemma gate_check_none : forall o h, gate_check ctx s o h = None <-> gate ctx s o h.
Proof.
  intros o h. unfold gate_check, gate.
  destruct (lookup (oss s) o) as [info|] eqn:Hl.
  2: { split; [discriminate | intros [[info H] _]; discriminate]. }
  destruct (trusted ctx o); destruct (activity s); simpl.
  - destruct (Nat.eqb_spec (active_os s) o) as [E|E]; simpl.
    + split; [intros _ | reflexivity]. split; [eauto | split; [reflexivity | exact E]].
    + split; [discriminate | intros (_ & _ & E'); contradiction].
  - split; [discriminate | intros (_ & E & _); discriminate].
  - split; [discriminate | intros (_ & E & _); discriminate].
  - destruct (hcall info) as [h'|] eqn:Hc;
      [destruct (hyper_call_eqb h' h) eqn:E|]; split; intros H; try discriminate.
    + apply hyper_call_eqb_eq in E. subst h'. split; [eauto | split; eauto].
    + reflexivity.
    + destruct H as (_ & _ & info' & Hi & Hh). injection Hi as <-.
      rewrite Hc in Hh. injection Hh as ->. now rewrite hyper_call_eqb_refl in E.
    + destruct H as (_ & _ & info' & Hi & Hh). injection Hi as <-. congruence.
Qed.

Lemma gate_check_some :
  forall o h ec, gate_check ctx s o h = Some ec -> gate_error ctx s o h ec.
Proof.
  intros o h ec. unfold gate_check, gate_error.
  destruct (lookup (oss s) o) as [info|] eqn:Hl.
  2: { intros H. injection H as <-. left. split; [intros [i Hi]; discriminate | reflexivity]. }
  destruct (trusted ctx o); destruct (activity s); simpl.
  - destruct (Nat.eqb_spec (active_os s) o) as [E|E]; simpl; intros H; [discriminate|].
    injection H as <-. right; right; left. repeat split; assumption.
  - intros H. injection H as <-. right; left. repeat split; discriminate.
  - intros H. injection H as <-. right; right; right; left. repeat split; discriminate.
  - intros H. do 4 right. split; [reflexivity|]. split.
    + intros (info' & Hi & Hh). injection Hi as <-.
      rewrite Hh, hyper_call_eqb_refl in H. discriminate.
    + destruct (hcall info) as [h'|]; [destruct (hyper_call_eqb h' h)|]; congruence.
Qed.

(** * Memory accesses *)

Lemma access_check_none :
  forall act acc code va,
    access_check ctx s act acc code va = None <->
    activity s = act /\ accessible ctx va = acc /\
    exists ma, va_mapped_to_ma s va ma /\ rw_page s ma.
Proof.
  intros act acc code va. unfold access_check, va_mapped_to_ma, rw_page.
  destruct (activity_eqb_spec (activity s) act) as [Ea|Ea]; simpl.
  2: { split; [discriminate | intros [E _]; contradiction]. }
  destruct (Bool.eqb_spec (accessible ctx va) acc) as [Eb|Eb]; simpl.
  2: { split; [discriminate | intros (_ & E & _); contradiction]. }
  destruct (maps_to s (active_os s) va) as [ma|] eqn:Hm.
  - destruct (lookup (mem s) ma) as [[[v|m|] ow]|] eqn:Hp; split; intros H;
      try discriminate; try reflexivity.
    + split; [exact Ea | split; [exact Eb|]]. exists ma. split; eauto.
    + destruct H as (_ & _ & ma' & Hm' & v & ow' & Hp'). congruence.
    + destruct H as (_ & _ & ma' & Hm' & v & ow' & Hp'). congruence.
    + destruct H as (_ & _ & ma' & Hm' & v & ow' & Hp'). congruence.
  - split; [discriminate | intros (_ & _ & ma' & Hm' & _); discriminate].
Qed.

Lemma access_check_some :
  forall act acc code va ec,
    access_check ctx s act acc code va = Some ec -> access_error ctx s act acc code va ec.
Proof.
  intros act acc code va ec. unfold access_check, access_error, va_mapped_to_ma, rw_page.
  destruct (activity_eqb_spec (activity s) act) as [Ea|Ea]; simpl.
  2: { intros H. injection H as <-. left. split; [exact Ea | reflexivity]. }
  destruct (Bool.eqb_spec (accessible ctx va) acc) as [Eb|Eb]; simpl.
  2: { intros H. injection H as <-. right; left. split; [exact Eb | reflexivity]. }
  destruct (maps_to s (active_os s) va) as [ma|] eqn:Hm.
  - intros H. do 3 right. split.
    + exists ma. split; [reflexivity|]. intros (v & ow & Hp). rewrite Hp in H. discriminate.
    + destruct (lookup (mem s) ma) as [[[v|m|] ow]|]; congruence.
  - intros H. injection H as <-. right; right; left.
    split; [intros ma' Hm'; discriminate | reflexivity].
Qed.

(** * Page kinds and physical addresses *)

Lemma page_kind_check_rw : forall ma, page_kind_check s is_rw ma = None <-> rw_page s ma.
Proof.
  intros ma. unfold page_kind_check, rw_page.
  destruct (lookup (mem s) ma) as [[[v|m|] ow]|]; simpl; split; intros H;
    try reflexivity; try discriminate; eauto.
  all: destruct H as (v' & ow' & H); discriminate.
Qed.

Lemma page_kind_check_pt : forall ma, page_kind_check s is_pt ma = None <-> pt_page s ma.
Proof.
  intros ma. unfold page_kind_check, pt_page.
  destruct (lookup (mem s) ma) as [[[v|m|] ow]|]; simpl; split; intros H;
    try reflexivity; try discriminate; eauto.
  all: destruct H as (m' & ow' & H); discriminate.
Qed.

Lemma page_kind_check_code :
  forall k ma ec, page_kind_check s k ma = Some ec -> ec = Wrong_page_type.
Proof.
  intros k ma ec. unfold page_kind_check.
  destruct (lookup (mem s) ma) as [pg|]; [destruct (k (content pg))|]; congruence.
Qed.

Lemma physical_page_some :
  forall o pa ma, physical_page s o pa = Some ma <-> physical s o pa ma.
Proof.
  intros o pa ma. unfold physical_page, physical.
  destruct (lookup (hyp s) o) as [pm|]; split.
  - intros H. eauto.
  - intros (pm' & Hp & H). injection Hp as <-. exact H.
  - discriminate.
  - intros (pm' & Hp & _). discriminate.
Qed.

Lemma physical_page_none :
  forall o pa, physical_page s o pa = None <-> forall ma, ~ physical s o pa ma.
Proof.
  intros o pa. split.
  - intros H ma Hp. apply physical_page_some in Hp. congruence.
  - intros H. destruct (physical_page s o pa) as [ma|] eqn:E; [|reflexivity].
    exfalso. apply (H ma). now apply physical_page_some.
Qed.

(** [Pre_page_pin]'s form of "[pa] is unused". *)
Lemma physical_page_none_unused :
  forall o pa,
    physical_page s o pa = None <->
    forall pm, lookup (hyp s) o = Some pm -> lookup pm pa = None.
Proof.
  intros o pa. unfold physical_page.
  destruct (lookup (hyp s) o) as [pm|]; split; intros H.
  - intros pm' Hp. injection Hp as <-. exact H.
  - now apply H.
  - intros pm' Hp. discriminate.
  - reflexivity.
Qed.

Lemma mapped_by_own_table_b_spec :
  forall o ma, mapped_by_own_table_b s o ma = true <-> mapped_by_own_table s o ma.
Proof.
  intros o ma. unfold mapped_by_own_table_b, mapped_by_own_table.
  rewrite exists_binding_spec. split.
  - intros (ma' & pg & Hl & Hp). cbv beta in Hp.
    destruct pg as [[v|m|] [|o'|]]; try discriminate.
    apply andb_true_iff in Hp as [Ho Hm]. apply Nat.eqb_eq in Ho. subst o'.
    apply exists_binding_spec in Hm as (va & ma'' & Hva & E).
    apply Nat.eqb_eq in E. subst ma''. eauto.
  - intros (ma' & m & va & Hl & Hva). exists ma', (mk_page (PT m) (Os o)).
    split; [exact Hl|]. cbv beta iota. apply andb_true_iff.
    split; [apply Nat.eqb_refl|].
    apply exists_binding_spec. exists va, ma. split; [exact Hva | apply Nat.eqb_refl].
Qed.

(** The "current page table" test of [Page_unpin]. *)
Lemma current_test_false :
  forall o pa,
    match lookup (oss s) o with
    | Some info => Nat.eqb (curr_page info) pa
    | None => false
    end = false <->
    forall info, lookup (oss s) o = Some info -> curr_page info <> pa.
Proof.
  intros o pa. destruct (lookup (oss s) o) as [info|]; split; intros H.
  - intros info' Hi. injection Hi as <-. now apply Nat.eqb_neq.
  - apply Nat.eqb_neq. auto.
  - intros info' Hi. discriminate.
  - reflexivity.
Qed.

Lemma least_free_page_some :
  forall ma,
    least_free_page s = Some ma -> free s ma /\ forall ma', free s ma' -> ma <= ma'.
Proof.
  intros ma H. unfold least_free_page, free in *.
  apply least_key_some in H as [(pg & Hl & Hf) Hmin]. cbv beta in Hf. split.
  - exists pg. split; [exact Hl|]. unfold is_free_page in Hf.
    destruct (owner pg); congruence.
  - intros ma' (pg' & Hl' & Ho). apply (Hmin ma' pg' Hl'). cbv beta.
    unfold is_free_page. now rewrite Ho.
Qed.

Lemma least_free_page_none : least_free_page s = None <-> forall ma, ~ free s ma.
Proof.
  split.
  - intros H ma (pg & Hl & Ho). pose proof (least_key_none _ _ H ma pg Hl) as Hf.
    cbv beta in Hf. unfold is_free_page in Hf. rewrite Ho in Hf. discriminate.
  - intros H. destruct (least_free_page s) as [ma|] eqn:E; [|reflexivity].
    exfalso. apply (H ma). apply least_free_page_some in E. tauto.
Qed.

(** * The precondition check *)

Theorem pre_error_none_iff : forall a, pre_error ctx s a = None <-> Pre ctx s a.
Proof.
  intros []; cbn [pre_error Pre].
  - apply access_check_none.
  - apply access_check_none.
  - apply access_check_none.
  - apply access_check_none.
  - (* Hcall *)
    unfold Pre_hcall. destruct (activity_eqb_spec (activity s) Running) as [E|E]; simpl.
    + destruct (trusted ctx (active_os s)); split; intros H; try discriminate.
      * destruct H as [_ H]. discriminate.
      * split; [exact E | reflexivity].
      * reflexivity.
    + split; [discriminate | intros [H _]; contradiction].
  - (* New *)
    intros. unfold Pre_new. rewrite then_check_none, gate_check_none.
    apply and_iff_compat_l. destruct (accessible ctx va); simpl.
    2: { split; [discriminate | intros [H _]; discriminate]. }
    destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + rewrite page_kind_check_rw. split.
      * intros H. split; [reflexivity|]. exists ma. split; [now apply physical_page_some | exact H].
      * intros (_ & ma' & Hp' & H). apply physical_page_some in Hp'. congruence.
    + split; [discriminate|]. intros (_ & ma' & Hp' & _).
      apply physical_page_some in Hp'. congruence.
  - (* Del *)
    intros. unfold Pre_del. rewrite then_check_none, gate_check_none.
    apply and_iff_compat_l. destruct (accessible ctx va); simpl.
    2: { split; [discriminate | intros [H _]; discriminate]. }
    destruct (maps_to s o va) as [ma|]; split; intros H.
    + split; [reflexivity | eauto].
    + reflexivity.
    + discriminate.
    + destruct H as (_ & ma' & H). discriminate.
  - (* Lswitch *)
    intros. unfold Pre_lswitch. rewrite then_check_none, gate_check_none.
    apply and_iff_compat_l.
    destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + rewrite page_kind_check_pt. split.
      * intros H. exists ma. split; [now apply physical_page_some | exact H].
      * intros (ma' & Hp' & H). apply physical_page_some in Hp'. congruence.
    + split; [discriminate|]. intros (ma' & Hp' & _).
      apply physical_page_some in Hp'. congruence.
  - (* Switch *)
    intros. unfold Pre_switch.
    destruct (activity_eqb_spec (activity s) Waiting) as [E|E]; simpl.
    + rewrite <- in_dom_lookup. destruct (in_dom (oss s) o); split; intros H;
        try discriminate; try reflexivity.
      * split; [exact E | reflexivity].
      * destruct H as [_ H]. discriminate.
    + split; [discriminate | intros [H _]; contradiction].
  - (* Ret_ctrl *)
    unfold Pre_ret_ctrl. destruct (activity_eqb_spec (activity s) Running) as [E|E];
      split; intros H; try reflexivity; try discriminate; [exact E | contradiction].
  - (* Chmod *)
    unfold Pre_chmod. destruct (activity_eqb_spec (activity s) Waiting) as [E|E]; simpl.
    + destruct (lookup (oss s) (active_os s)) as [[cp [h|]]|]; split; intros H;
        try discriminate.
      * destruct H as (_ & info & Hi & Hh). injection Hi as <-. discriminate.
      * split; [exact E|]. eauto.
      * reflexivity.
      * destruct H as (_ & info & Hi & _). discriminate.
    + split; [discriminate | intros [H _]; contradiction].
  - (* Page_pin *)
    intros. unfold Pre_page_pin, pin_error. rewrite then_check_none, gate_check_none.
    apply and_iff_compat_l. rewrite <- physical_page_none_unused.
    destruct (physical_page s o pa) as [ma|]; split; intros H.
    + discriminate.
    + destruct H as [H _]. discriminate.
    + split; [reflexivity|].
      destruct (least_free_page s) as [ma|] eqn:E; [|discriminate].
      apply least_free_page_some in E as [Hf _]. eauto.
    + destruct H as [_ (ma & Hf)].
      destruct (least_free_page s) as [ma'|] eqn:E; [reflexivity|].
      exfalso. now apply least_free_page_none with ma in E.
  - (* Page_unpin *)
    intros. unfold Pre_page_unpin, unpin_error. rewrite then_check_none, gate_check_none.
    apply and_iff_compat_l.
    destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + cbv zeta. split.
      * intros H. destruct (_ || _) eqn:Hcm in H; [discriminate|].
        apply orb_false_iff in Hcm as [Hc Hm].
        exists ma. split; [now apply physical_page_some|]. split.
        -- now apply current_test_false.
        -- rewrite <- mapped_by_own_table_b_spec, Hm. discriminate.
      * intros (ma' & Hp' & Hc & Hm). apply physical_page_some in Hp'.
        rewrite Hp in Hp'. injection Hp' as <-.
        apply current_test_false in Hc. rewrite Hc. simpl.
        destruct (mapped_by_own_table_b s o ma) eqn:E; [|reflexivity].
        exfalso. now apply Hm, mapped_by_own_table_b_spec.
    + split; [discriminate|]. intros (ma' & Hp' & _).
      apply physical_page_some in Hp'. congruence.
  - (* Silent *)
    split; intros _; [exact I | reflexivity].
Qed.

Theorem pre_b_iff : forall a, pre_b ctx s a = true <-> Pre ctx s a.
Proof.
  intros a. rewrite <- pre_error_none_iff. unfold pre_b.
  destruct (pre_error ctx s a); split; congruence.
Qed.

Theorem pre_error_some_errormsg :
  forall a ec, pre_error ctx s a = Some ec -> ErrorMsg ctx s a ec.
Proof.
  intros [] ec; cbn [pre_error ErrorMsg].
  - apply access_check_some.
  - apply access_check_some.
  - apply access_check_some.
  - apply access_check_some.
  - (* Hcall *)
    destruct (activity_eqb_spec (activity s) Running) as [E|E]; simpl; intros H.
    + destruct (trusted ctx (active_os s)) eqn:Ht; [|discriminate].
      injection H as <-. right. split; reflexivity.
    + injection H as <-. left. split; [exact E | reflexivity].
  - (* New *)
    intros H. apply then_check_some in H as [H|[_ H]]; [left; now apply gate_check_some|].
    right. destruct (accessible ctx va) eqn:Ha; simpl in H.
    2: { injection H as <-. left. split; reflexivity. }
    right. destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + pose proof (page_kind_check_code _ _ _ H) as ->.
      right. split; [|reflexivity].
      exists ma. split; [now apply physical_page_some|].
      rewrite <- page_kind_check_rw, H. discriminate.
    + injection H as <-. left. split; [now apply physical_page_none | reflexivity].
  - (* Del *)
    intros H. apply then_check_some in H as [H|[_ H]]; [left; now apply gate_check_some|].
    right. destruct (accessible ctx va) eqn:Ha; simpl in H.
    2: { injection H as <-. left. split; reflexivity. }
    right. destruct (maps_to s o va); [discriminate|].
    injection H as <-. split; reflexivity.
  - (* Lswitch *)
    intros H. apply then_check_some in H as [H|[_ H]]; [left; now apply gate_check_some|].
    right. destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + pose proof (page_kind_check_code _ _ _ H) as ->.
      right. split; [|reflexivity].
      exists ma. split; [now apply physical_page_some|].
      rewrite <- page_kind_check_pt, H. discriminate.
    + injection H as <-. left. split; [now apply physical_page_none | reflexivity].
  - (* Switch *)
    destruct (activity_eqb_spec (activity s) Waiting) as [E|E]; simpl; intros H.
    + destruct (in_dom (oss s) o) eqn:Hd; [discriminate|]. injection H as <-.
      right. split; [|reflexivity]. rewrite <- in_dom_lookup, Hd. discriminate.
    + injection H as <-. left. split; [exact E | reflexivity].
  - (* Ret_ctrl *)
    destruct (activity_eqb_spec (activity s) Running) as [E|E]; intros H; [discriminate|].
    injection H as <-. split; [exact E | reflexivity].
  - (* Chmod *)
    destruct (activity_eqb_spec (activity s) Waiting) as [E|E]; simpl; intros H.
    + right. split; [|destruct (lookup (oss s) (active_os s)) as [[cp [h|]]|]; congruence].
      intros (info & Hi & Hh). rewrite Hi in H. destruct info as [cp h]. simpl in Hh.
      subst h. discriminate.
    + injection H as <-. left. split; [exact E | reflexivity].
  - (* Page_pin *)
    unfold pin_error. intros H. apply then_check_some in H as [H|[_ H]]; [left; now apply gate_check_some|].
    right. destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + injection H as <-. left. split; [|reflexivity].
      apply physical_page_some in Hp as (pm & Hpm & Hma). eauto.
    + destruct (least_free_page s) eqn:E; [discriminate|]. injection H as <-.
      right. split; [now apply least_free_page_none | reflexivity].
  - (* Page_unpin *)
    unfold unpin_error. intros H. apply then_check_some in H as [H|[_ H]]; [left; now apply gate_check_some|].
    right. destruct (physical_page s o pa) as [ma|] eqn:Hp.
    + cbv zeta in H. right. split; [|destruct (_ || _); congruence].
      exists ma. split; [now apply physical_page_some|].
      destruct (mapped_by_own_table_b s o ma) eqn:Hm.
      * right. now apply mapped_by_own_table_b_spec.
      * left. rewrite orb_false_r in H.
        destruct (lookup (oss s) o) as [info|]; [|discriminate].
        destruct (Nat.eqb_spec (curr_page info) pa); [eauto | discriminate].
    + injection H as <-. left. split; [now apply physical_page_none | reflexivity].
  - (* Silent *)
    discriminate.
Qed.

End PreRefl.
