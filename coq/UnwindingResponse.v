(** Step consistency of responses, for every [o]-action except
    [Read_hyper], [Write_hyper], [Page_pin] and [Page_unpin]: in two valid
    [o]-equivalent states it succeeds in both or fails in both
    ([os_action_pre_agree], [step_consistent_response]), and the executable
    [step] even returns the same error code ([step_response_agree]).  The
    four excluded actions can succeed in one state and fail in the other
    (concrete runs in IsolationCounterexamples.v): the hypervisor window,
    free memory and page tables owned by [o] outside its physical map are
    not in [o]'s view.  For [exec] only success is compared: [ErrorMsg]
    admits the code of every failing condition, so a single state does not
    fix the error code. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Valid Pre Post ErrorMsg Semantics.
From VirtualCert Require Import OsEquiv IsolationFacts OsAction UnwindingMemory UnwindingStep.

(** The actions whose success [o] can predict from its view. *)
Definition view_determined (a : action) : Prop :=
  match a with
  | Read_hyper _ | Write_hyper _ _ | Page_pin _ _ _ | Page_unpin _ _ => False
  | _ => True
  end.

Section Response.
Variable ctx : context.
Variable o : os_ident.

(** An accessible mapping of [o] in [s1] exists in [s2], onto the page at
    the same physical address. *)
Lemma maps_to_transfer :
  forall s1 s2 va ma1,
    valid_state ctx s1 -> valid_state ctx s2 -> os_equiv ctx o s1 s2 ->
    accessible ctx va = true -> maps_to s1 o va = Some ma1 ->
    exists pa0 ma2,
      maps_to s2 o va = Some ma2 /\
      phys_of (lookup (hyp s1) o) pa0 = Some ma1 /\ phys_of (lookup (hyp s2) o) pa0 = Some ma2.
Proof.
  intros s1 s2 va ma1 Hv1 Hv2 Heq Hacc H1.
  destruct (valid_maps_to_physical ctx s1 Hv1 o va ma1 H1 Hacc) as [pa0 Hpa0].
  unfold maps_to in H1 |- *.
  destruct (current_table s1 o) as [m1|] eqn:Ht1; [|discriminate].
  destruct (current_table_page s1 o m1 Ht1) as [p1 [ow1 [Hc1 Hp1]]].
  (* [o]'s current page table also exists in [s2] *)
  assert (Hc1' := Hc1). rewrite cpt_phys in Hc1'.
  destruct (lookup (oss s1) o) as [info|] eqn:Hi1; [|discriminate].
  assert (Hi2 : lookup (oss s2) o = Some info) by (destruct Heq as [[_ [Hi _]] _]; congruence).
  destruct (valid_current_page ctx s2 Hv2 o info Hi2) as [p2 [m2 [Hp2 Hm2]]].
  assert (Hc2 : cpt s2 o = Some p2) by (rewrite cpt_phys, Hi2; exact Hp2).
  assert (Ht2 : current_table s2 o = Some m2) by (unfold current_table; now rewrite Hc2, Hm2).
  rewrite Ht2.
  destruct (current_tables_equiv ctx o s1 s2 p1 p2 m1 m2 ow1 (Os o) Heq Hc1 Hp1 Hc2 Hm2)
    as [cp [_ [_ [_ Ht]]]].
  destruct (proj1 (Ht va pa0 Hacc) (ex_intro _ ma1 (conj H1 Hpa0))) as [x [Hx Hpx]].
  exists pa0, x. auto.
Qed.

(** The page at a physical address of [o] has the same kind in both. *)
Lemma phys_page_transfer :
  forall s1 s2 pa ma1 c1 ow1,
    os_equiv ctx o s1 s2 ->
    phys_of (lookup (hyp s1) o) pa = Some ma1 -> lookup (mem s1) ma1 = Some (mk_page c1 ow1) ->
    exists ma2 c2,
      phys_of (lookup (hyp s2) o) pa = Some ma2 /\ lookup (mem s2) ma2 = Some (mk_page c2 ow1) /\
      is_rw c2 = is_rw c1 /\ is_pt c2 = is_pt c1.
Proof.
  intros s1 s2 pa ma1 c1 ow1 [_ Hmem] Hp1 Hl1. specialize (Hmem pa).
  rewrite Hp1, Hl1 in Hmem.
  destruct (phys_of (lookup (hyp s2) o) pa) as [ma2|]; [|contradiction].
  destruct (lookup (mem s2) ma2) as [[c2 ow2]|] eqn:Hl2; [|contradiction].
  destruct Hmem as [Ho Hc]. simpl in Ho, Hc. subst ow2.
  exists ma2, c2. repeat split; auto; destruct c1, c2; simpl in *; try contradiction; auto.
Qed.

Lemma gate_transfer :
  forall s1 s2 a h,
    control_equiv o s1 s2 -> privileged_on a o -> os_action ctx s2 a o ->
    gate ctx s1 o h -> gate ctx s2 o h.
Proof.
  intros s1 s2 a h [_ [Hi _]] Hp Ho2 [[info Hinfo] Hg]. split; [exists info; congruence|].
  destruct Ho2 as [[Hr [Ha Hby]]|[Hw Hfor]].
  - assert (trusted ctx o = true) as Ht by (destruct a; simpl in *; tauto).
    rewrite Ht in Hg |- *. auto.
  - assert (trusted ctx o = false) as Ht by (destruct a; simpl in *; tauto).
    rewrite Ht in Hg |- *. destruct Hg as [_ [info' [Hi' Hh]]].
    split; auto. exists info'. split; auto. congruence.
Qed.

(** Success in [s1] implies success in [s2]. *)
Lemma pre_transfer :
  forall s1 s2 a,
    valid_state ctx s1 -> valid_state ctx s2 -> os_equiv ctx o s1 s2 ->
    os_action ctx s1 a o -> os_action ctx s2 a o -> view_determined a ->
    Pre ctx s1 a -> Pre ctx s2 a.
Proof.
  intros s1 s2 a Hv1 Hv2 Heq Ho1 Ho2 Hdet Hpre.
  pose proof (os_action_inv _ _ _ _ Ho1) as F1. pose proof (os_action_inv _ _ _ _ Ho2) as F2.
  pose proof Heq as [[Hdom [Hinfo _]] _].
  (* a memory access of [o] through an accessible address *)
  assert (Haccess : forall va, active_os s1 = o -> active_os s2 = o ->
            activity s2 = Running -> Pre_read ctx s1 va -> Pre_read ctx s2 va).
  { intros va Ha1 Ha2 Hr [_ [Hacc [ma1 [Hm1 [v [ow Hl1]]]]]].
    unfold va_mapped_to_ma in Hm1. rewrite Ha1 in Hm1.
    destruct (maps_to_transfer s1 s2 va ma1 Hv1 Hv2 Heq Hacc Hm1) as [pa0 [ma2 [Hm2 [P1 P2]]]].
    destruct (phys_page_transfer s1 s2 pa0 ma1 (RW v) ow Heq P1 Hl1)
      as [ma2' [c2 [P2' [Hl2 [Hrw _]]]]].
    rewrite P2 in P2'. injection P2' as <-.
    split; [auto|split; [auto|]]. exists ma2. split; [unfold va_mapped_to_ma; congruence|].
    destruct c2; try discriminate. red; eauto. }
  destruct a; simpl in Hpre, F1, F2 |- *; try contradiction; try (subst o0).
  - (* Read *) apply Haccess; tauto.
  - (* Write *) apply Haccess; tauto.
  - (* Hcall *)
    destruct F1 as [_ Ha1], F2 as [Hr2 Ha2], Hpre as [_ Ht].
    split; congruence.
  - (* New *)
    destruct Hpre as [Hg [Hacc [ma1 [[pm1 [Hh1 Hpa1]] [v [ow Hl1]]]]]].
    split; [eapply gate_transfer; [apply Heq| |exact Ho2|exact Hg]; simpl; reflexivity|split; [exact Hacc|]].
    assert (P1 : phys_of (lookup (hyp s1) o) pa = Some ma1) by now rewrite Hh1.
    destruct (phys_page_transfer s1 s2 pa ma1 (RW v) ow Heq P1 Hl1)
      as [ma2 [c2 [P2 [Hl2 [Hrw _]]]]].
    destruct (lookup (hyp s2) o) as [pm2|] eqn:Hh2; [|discriminate].
    exists ma2. split; [exists pm2; auto|]. destruct c2; try discriminate. red; eauto.
  - (* Del *)
    destruct Hpre as [Hg [Hacc [ma1 Hm1]]].
    split; [eapply gate_transfer; [apply Heq| |exact Ho2|exact Hg]; simpl; reflexivity|split; [exact Hacc|]].
    destruct (maps_to_transfer s1 s2 va ma1 Hv1 Hv2 Heq Hacc Hm1) as [_ [ma2 [Hm2 _]]].
    eauto.
  - (* Lswitch *)
    destruct Hpre as [Hg [ma1 [[pm1 [Hh1 Hpa1]] [m [ow Hl1]]]]].
    split; [eapply gate_transfer; [apply Heq| |exact Ho2|exact Hg]; simpl; reflexivity|].
    assert (P1 : phys_of (lookup (hyp s1) o) pa = Some ma1) by now rewrite Hh1.
    destruct (phys_page_transfer s1 s2 pa ma1 (PT m) ow Heq P1 Hl1)
      as [ma2 [c2 [P2 [Hl2 [_ Hpt]]]]].
    destruct (lookup (hyp s2) o) as [pm2|] eqn:Hh2; [|discriminate].
    exists ma2. split; [exists pm2; auto|]. destruct c2; try discriminate. red; eauto.
  - (* Switch *)
    destruct F2 as [Hw2 _], Hpre as [_ Hin]. split; auto.
    apply in_dom_lookup. rewrite <- Hdom. now apply in_dom_lookup.
  - (* Ret_ctrl *) tauto.
  - (* Chmod *)
    destruct F1 as [_ Ha1], F2 as [Hw2 Ha2], Hpre as [_ Hi]. split; auto.
    rewrite Ha1 in Hi. rewrite Ha2, <- Hinfo. exact Hi.
Qed.

Theorem os_action_pre_agree :
  forall s1 s2 a,
    valid_state ctx s1 -> valid_state ctx s2 -> os_equiv ctx o s1 s2 ->
    os_action ctx s1 a o -> os_action ctx s2 a o -> view_determined a ->
    (Pre ctx s1 a <-> Pre ctx s2 a).
Proof.
  intros s1 s2 a Hv1 Hv2 Heq Ho1 Ho2 Hdet.
  split; apply pre_transfer; auto using os_equiv_sym.
Qed.

(** In the semantics with errors: both steps succeed or both fail. *)
Corollary step_consistent_response :
  forall s1 s2 a r1 r2 s1' s2',
    os_equiv ctx o s1 s2 -> os_action ctx s1 a o -> os_action ctx s2 a o ->
    view_determined a ->
    exec ctx s1 a r1 s1' -> exec ctx s2 a r2 s2' -> (r1 = Ok <-> r2 = Ok).
Proof.
  intros s1 s2 a r1 r2 s1' s2' Heq Ho1 Ho2 Hdet Hx1 Hx2.
  assert (Hv1 : valid_state ctx s1) by (destruct Hx1; auto).
  assert (Hv2 : valid_state ctx s2) by (destruct Hx2; auto).
  pose proof (os_action_pre_agree s1 s2 a Hv1 Hv2 Heq Ho1 Ho2 Hdet) as Hagree.
  destruct Hx1 as [? ? ? _ Hp1 _|? ? ? _ Hn1 _], Hx2 as [? ? ? _ Hp2 _|? ? ? _ Hn2 _];
    split; intros H; try discriminate; try reflexivity; exfalso; tauto.
Qed.

End Response.

(** * The executable specification: the same response, error code included

    [step] checks the conditions in a fixed order and returns the first
    failing one, so for view-determined [o]-actions it answers exactly the
    same in both states.  (The relational [ErrorMsg] does not: for a [Read]
    of a hypervisor-window address it admits [Invalid_vadd] only where the
    address is unmapped, which [o] cannot see; see
    IsolationCounterexamples.v.) *)

From VirtualCert Require Import Step.

Section StepResponse.
Variable ctx : context.
Variable o : os_ident.

Lemma physical_page_phys : forall s o' pa, physical_page s o' pa = phys_of (lookup (hyp s) o') pa.
Proof. intros s o' pa. unfold physical_page. now destruct (lookup (hyp s) o'). Qed.

(** Who may run a gated action on [o], by trust level. *)
Lemma os_action_gate_activity :
  forall s a, os_action ctx s a o -> privileged_on a o ->
    if trusted ctx o then activity s = Running /\ active_os s = o else activity s = Waiting.
Proof.
  intros s a [[Hr [Ha Hby]]|[Hw Hfor]] Hp.
  - assert (trusted ctx o = true) as -> by (destruct a; simpl in *; tauto). auto.
  - assert (trusted ctx o = false) as -> by (destruct a; simpl in *; tauto). auto.
Qed.

Lemma gate_check_agree :
  forall s1 s2 a h,
    control_equiv o s1 s2 -> privileged_on a o ->
    os_action ctx s1 a o -> os_action ctx s2 a o ->
    gate_check ctx s1 o h = gate_check ctx s2 o h.
Proof.
  intros s1 s2 a h [_ [Hi _]] Hp Ho1 Ho2. unfold gate_check. rewrite <- Hi.
  pose proof (os_action_gate_activity s1 a Ho1 Hp) as G1.
  pose proof (os_action_gate_activity s2 a Ho2 Hp) as G2.
  destruct (lookup (oss s1) o); auto.
  destruct (trusted ctx o).
  - destruct G1 as [-> ->], G2 as [-> ->]. reflexivity.
  - rewrite G1, G2. reflexivity.
Qed.

(** Checks on the kind of a page give the same answer on equivalent pages. *)
Lemma page_equiv_kind :
  forall pm1 pm2 p1 p2,
    page_equiv ctx pm1 pm2 p1 p2 ->
    option_map (fun pg => (is_rw (content pg), is_pt (content pg))) p1 =
    option_map (fun pg => (is_rw (content pg), is_pt (content pg))) p2.
Proof.
  intros pm1 pm2 [[c1 ow1]|] [[c2 ow2]|]; simpl; try tauto.
  intros [_ Hc]. destruct c1, c2; simpl in Hc; try contradiction; reflexivity.
Qed.

Lemma page_kind_check_agree :
  forall s1 s2 ma1 ma2 k,
    (k = is_rw \/ k = is_pt) ->
    page_equiv ctx (lookup (hyp s1) o) (lookup (hyp s2) o) (lookup (mem s1) ma1) (lookup (mem s2) ma2) ->
    page_kind_check s1 k ma1 = page_kind_check s2 k ma2.
Proof.
  intros s1 s2 ma1 ma2 k Hk Hpe. apply page_equiv_kind in Hpe. unfold page_kind_check.
  destruct (lookup (mem s1) ma1) as [[c1 ow1]|], (lookup (mem s2) ma2) as [[c2 ow2]|];
    simpl in *; try discriminate; auto.
  injection Hpe as Hrw Hpt. destruct Hk as [->| ->]; simpl; [now rewrite Hrw|now rewrite Hpt].
Qed.

Lemma rw_check_agree :
  forall s1 s2 ma1 ma2,
    page_equiv ctx (lookup (hyp s1) o) (lookup (hyp s2) o) (lookup (mem s1) ma1) (lookup (mem s2) ma2) ->
    match lookup (mem s1) ma1 with Some (mk_page (RW _) _) => None | _ => Some Wrong_page_type end =
    match lookup (mem s2) ma2 with Some (mk_page (RW _) _) => None | _ => Some Wrong_page_type end.
Proof.
  intros s1 s2 ma1 ma2 Hpe. apply page_equiv_kind in Hpe.
  destruct (lookup (mem s1) ma1) as [[c1 ow1]|], (lookup (mem s2) ma2) as [[c2 ow2]|];
    simpl in *; try discriminate; auto.
  injection Hpe as Hrw _. destruct c1, c2; simpl in *; congruence.
Qed.

Variables s1 s2 : state.
Hypothesis Hv1 : valid_state ctx s1.
Hypothesis Hv2 : valid_state ctx s2.
Hypothesis Heq : os_equiv ctx o s1 s2.

(** An accessible address of [o] is mapped in both or in neither, and then
    onto pages of the same kind. *)
Lemma maps_to_agree :
  forall va, accessible ctx va = true ->
    match maps_to s1 o va, maps_to s2 o va with
    | Some ma1, Some ma2 =>
        page_equiv ctx (lookup (hyp s1) o) (lookup (hyp s2) o)
          (lookup (mem s1) ma1) (lookup (mem s2) ma2)
    | None, None => True
    | _, _ => False
    end.
Proof.
  intros va Hacc.
  destruct (maps_to s1 o va) as [ma1|] eqn:M1, (maps_to s2 o va) as [ma2|] eqn:M2; auto.
  - destruct (maps_to_transfer ctx o s1 s2 va ma1 Hv1 Hv2 Heq Hacc M1) as [pa0 [ma2' [M2' [P1 P2]]]].
    rewrite M2 in M2'. injection M2' as E. subst ma2'.
    destruct Heq as [_ Hmem]. specialize (Hmem pa0). now rewrite P1, P2 in Hmem.
  - destruct (maps_to_transfer ctx o s1 s2 va ma1 Hv1 Hv2 Heq Hacc M1) as [pa0 [x [M2' _]]].
    congruence.
  - destruct (maps_to_transfer ctx o s2 s1 va ma2 Hv2 Hv1 (os_equiv_sym _ _ _ _ Heq) Hacc M2)
      as [pa0 [x [M1' _]]].
    congruence.
Qed.

Lemma physical_page_agree :
  forall pa,
    match physical_page s1 o pa, physical_page s2 o pa with
    | Some ma1, Some ma2 =>
        page_equiv ctx (lookup (hyp s1) o) (lookup (hyp s2) o)
          (lookup (mem s1) ma1) (lookup (mem s2) ma2)
    | None, None => True
    | _, _ => False
    end.
Proof. intros pa. rewrite !physical_page_phys. apply Heq. Qed.

Theorem os_action_pre_error_agree :
  forall a,
    os_action ctx s1 a o -> os_action ctx s2 a o -> view_determined a ->
    pre_error ctx s1 a = pre_error ctx s2 a.
Proof.
  intros a Ho1 Ho2 Hdet.
  pose proof (os_action_inv _ _ _ _ Ho1) as F1. pose proof (os_action_inv _ _ _ _ Ho2) as F2.
  pose proof Heq as [Hctl _]. pose proof Hctl as [Hdom [Hinfo _]].
  (* an access by [o] through its current page table *)
  assert (Haccess : forall va, active_os s1 = o -> active_os s2 = o ->
            activity s1 = activity s2 ->
            access_check ctx s1 Running true No_access_va_os va =
            access_check ctx s2 Running true No_access_va_os va).
  { intros va Ha1 Ha2 Hact. unfold access_check. rewrite Hact, Ha1, Ha2.
    destruct (activity_eqb (activity s2) Running); simpl; auto.
    destruct (accessible ctx va) eqn:Hacc; simpl; auto.
    pose proof (maps_to_agree va Hacc) as M.
    destruct (maps_to s1 o va), (maps_to s2 o va); try contradiction; auto.
    now apply rw_check_agree. }
  (* a page of [o] named by its physical address *)
  assert (Hphys : forall pa k, (k = is_rw \/ k = is_pt) ->
            match physical_page s1 o pa with
            | None => Some Invalid_padd | Some ma => page_kind_check s1 k ma end =
            match physical_page s2 o pa with
            | None => Some Invalid_padd | Some ma => page_kind_check s2 k ma end).
  { intros pa k Hk. pose proof (physical_page_agree pa) as P.
    destruct (physical_page s1 o pa), (physical_page s2 o pa); try contradiction; auto.
    now apply page_kind_check_agree. }
  destruct a; simpl in F1, F2, Hdet |- *; try contradiction; try subst o0.
  - (* Read *) apply Haccess; intuition congruence.
  - (* Write *) apply Haccess; intuition congruence.
  - (* Hcall *) destruct F1 as [-> ->], F2 as [-> ->]. reflexivity.
  - (* New *)
    rewrite (gate_check_agree s1 s2 (New o va pa) _ Hctl eq_refl Ho1 Ho2).
    destruct (gate_check ctx s2 o (HC_new va pa)); simpl; auto.
    destruct (accessible ctx va); simpl; auto.
  - (* Del *)
    rewrite (gate_check_agree s1 s2 (Del o va) _ Hctl eq_refl Ho1 Ho2).
    destruct (gate_check ctx s2 o (HC_del va)); simpl; auto.
    destruct (accessible ctx va) eqn:Hacc; simpl; auto.
    pose proof (maps_to_agree va Hacc) as M.
    destruct (maps_to s1 o va), (maps_to s2 o va); try contradiction; auto.
  - (* Lswitch *)
    rewrite (gate_check_agree s1 s2 (Lswitch o pa) _ Hctl eq_refl Ho1 Ho2).
    destruct (gate_check ctx s2 o (HC_lswitch pa)); simpl; auto.
  - (* Switch *)
    destruct F1 as [-> _], F2 as [-> _]. simpl. now rewrite Hdom.
  - (* Ret_ctrl *) destruct F1 as [-> _], F2 as [-> _]. reflexivity.
  - (* Chmod *)
    destruct F1 as [-> ->], F2 as [-> ->]. simpl. now rewrite Hinfo.
Qed.

Corollary step_response_agree :
  forall a,
    os_action ctx s1 a o -> os_action ctx s2 a o -> view_determined a ->
    response (step ctx s1 a) = response (step ctx s2 a).
Proof.
  intros a Ho1 Ho2 Hdet. unfold step.
  rewrite (os_action_pre_error_agree a Ho1 Ho2 Hdet).
  now destruct (pre_error ctx s2 a).
Qed.

End StepResponse.
