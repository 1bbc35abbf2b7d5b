(** OS isolation over executions (non-influence, FM 2011): two executions
    from [o]-equivalent states whose successful [o]-actions agree keep
    [o]'s views equivalent at every synchronised point, whatever the other
    guests and the hypervisor do in between.

    A step is observed by [o] when it is an [o]-action that succeeds; every
    other step (another guest's action, or any failing step, which leaves
    the state unchanged) is hidden.  Synchronising only successful
    [o]-actions is necessary: [Page_pin] may fail for lack of free memory
    in one run and not in the other (see IsolationCounterexamples.v).
    Validity of each state comes from [exec], which carries it. *)

From Coq Require Import List Arith Bool Streams.
From VirtualCert Require Import Maps Model Actions Errors Valid Pre Post ErrorMsg Semantics.
From VirtualCert Require Import OsEquiv OsAction UnwindingLocal UnwindingStep.
Import ListNotations.

(** A step: the action, its response and the state it leads to. *)
Definition step_rec : Type := (action * outcome * state)%type.

Section NonInfluence.
Variable ctx : context.
Variable o : os_ident.

Definition hidden (s : state) (a : action) (r : outcome) : Prop :=
  ~ os_action ctx s a o \/ r <> Ok.

Lemma hidden_step_equiv :
  forall s a r s', exec ctx s a r s' -> hidden s a r -> os_equiv ctx o s s'.
Proof.
  intros s a r s' Hex [Hn|Hr].
  - eapply locally_respects; eauto.
  - destruct Hex; [congruence|apply os_equiv_refl].
Qed.

Lemma os_action_not_silent : forall s, ~ os_action ctx s Silent o.
Proof. intros s [[_ [_ [H _]]]|[_ [H _]]]; exact H. Qed.

(** * Finite executions *)

Inductive execution : state -> list step_rec -> Prop :=
| execution_nil : forall s, execution s []
| execution_cons : forall s a r s' l,
    exec ctx s a r s' -> execution s' l -> execution s ((a, r, s') :: l).

Fixpoint final (s : state) (l : list step_rec) : state :=
  match l with
  | [] => s
  | (_, _, s') :: l' => final s' l'
  end.

(** [observed s l acts]: the successful [o]-actions of [l], run from [s],
    are [acts]; the other steps are erased. *)
Inductive observed : state -> list step_rec -> list action -> Prop :=
| observed_nil : forall s, observed s [] []
| observed_o : forall s a s' l acts,
    os_action ctx s a o -> observed s' l acts -> observed s ((a, Ok, s') :: l) (a :: acts)
| observed_hidden : forall s a r s' l acts,
    hidden s a r -> observed s' l acts -> observed s ((a, r, s') :: l) acts.

(** Hidden steps only: the view never changes. *)
Lemma catch_up :
  forall s l, execution s l -> observed s l [] -> os_equiv ctx o s (final s l).
Proof.
  intros s l Hex. induction Hex as [s|s a r s' l Hstep Hex IH]; intros Hobs.
  - apply os_equiv_refl.
  - inversion Hobs; subst.
    eapply os_equiv_trans; [eapply hidden_step_equiv; eauto|]. auto.
Qed.

Theorem non_influence :
  forall l1 s1 l2 s2 acts,
    execution s1 l1 -> execution s2 l2 ->
    observed s1 l1 acts -> observed s2 l2 acts ->
    os_equiv ctx o s1 s2 -> os_equiv ctx o (final s1 l1) (final s2 l2).
Proof.
  induction l1 as [|[[a r] s1'] l1 IH1]; intros s1 l2 s2 acts Hex1 Hex2 Hobs1 Hobs2 Heq.
  - inversion Hobs1; subst. eapply os_equiv_trans; [exact Heq|]. now apply catch_up.
  - inversion Hex1 as [|? ? ? ? ? Hstep1 Hrest1]; subst.
    inversion Hobs1 as [|? ? ? ? acts' Ho1 Hobs1'|? ? ? ? ? ? Hh1 Hobs1']; subst.
    + (* an observed step: run the second execution up to its matching step *)
      clear Hobs1. revert s2 Hex2 Hobs2 Heq.
      induction l2 as [|[[b r2] s2'] l2 IH2]; intros s2 Hex2 Hobs2 Heq;
        inversion Hobs2 as [|? ? ? ? ? Ho2 Hobs2'|? ? ? ? ? ? Hh2 Hobs2']; subst.
      * inversion Hex2 as [|? ? ? ? ? Hstep2 Hrest2]; subst. simpl.
        eapply IH1; eauto. eapply step_consistent; eauto.
      * inversion Hex2 as [|? ? ? ? ? Hstep2 Hrest2]; subst. simpl.
        eapply IH2; eauto. eapply os_equiv_trans; [exact Heq|].
        eapply hidden_step_equiv; eauto.
    + simpl. eapply IH1; eauto. eapply os_equiv_trans; [|exact Heq].
      apply os_equiv_sym. eapply hidden_step_equiv; eauto.
Qed.

(** Every synchronised pair of prefixes: prefixes of executions are
    executions, so the views agree after any two prefixes that observed the
    same [o]-actions. *)
Lemma execution_firstn :
  forall n s l, execution s l -> execution s (firstn n l).
Proof.
  induction n as [|n IH]; intros s l Hex; [constructor|].
  destruct Hex; simpl; constructor; auto.
Qed.

Corollary non_influence_prefixes :
  forall s1 l1 s2 l2 n1 n2 acts,
    execution s1 l1 -> execution s2 l2 -> os_equiv ctx o s1 s2 ->
    observed s1 (firstn n1 l1) acts -> observed s2 (firstn n2 l2) acts ->
    os_equiv ctx o (final s1 (firstn n1 l1)) (final s2 (firstn n2 l2)).
Proof.
  intros. eapply non_influence; eauto using execution_firstn.
Qed.

(** * Infinite executions *)

CoInductive trace_exec : state -> Stream step_rec -> Prop :=
| trace_exec_cons : forall s a r s' t,
    exec ctx s a r s' -> trace_exec s' t -> trace_exec s (Cons (a, r, s') t).

(** Erasure in the style of FM 2011: an observed step shows its action,
    a hidden one shows [Silent]. *)
Definition erased (s : state) (a : action) (r : outcome) (b : action) : Prop :=
  (os_action ctx s a o /\ r = Ok /\ b = a) \/ (hidden s a r /\ b = Silent).

(** The two traces erase to the same stream of actions, step by step. *)
CoInductive same_erasure : state -> Stream step_rec -> state -> Stream step_rec -> Prop :=
| same_erasure_cons : forall s1 a1 r1 s1' t1 s2 a2 r2 s2' t2 b,
    erased s1 a1 r1 b -> erased s2 a2 r2 b -> same_erasure s1' t1 s2' t2 ->
    same_erasure s1 (Cons (a1, r1, s1') t1) s2 (Cons (a2, r2, s2') t2).

(** [o]'s views agree after every step. *)
CoInductive views_agree : Stream step_rec -> Stream step_rec -> Prop :=
| views_agree_cons : forall a1 r1 s1' t1 a2 r2 s2' t2,
    os_equiv ctx o s1' s2' -> views_agree t1 t2 ->
    views_agree (Cons (a1, r1, s1') t1) (Cons (a2, r2, s2') t2).

Lemma erased_step_equiv :
  forall s1 a1 r1 s1' s2 a2 r2 s2' b,
    exec ctx s1 a1 r1 s1' -> exec ctx s2 a2 r2 s2' ->
    erased s1 a1 r1 b -> erased s2 a2 r2 b ->
    os_equiv ctx o s1 s2 -> os_equiv ctx o s1' s2'.
Proof.
  intros s1 a1 r1 s1' s2 a2 r2 s2' b Hx1 Hx2
    [[Ho1 [-> ->]]|[Hh1 ->]] [[Ho2 [-> Hb]]|[Hh2 Hb]] Heq.
  - subst a2. eapply step_consistent; eauto.
  - subst a1. exfalso. eapply os_action_not_silent; eauto.
  - subst a2. exfalso. eapply os_action_not_silent; eauto.
  - eapply os_equiv_trans; [|eapply hidden_step_equiv; eauto].
    eapply os_equiv_trans; [|exact Heq]. apply os_equiv_sym.
    eapply hidden_step_equiv; eauto.
Qed.

Theorem non_influence_traces :
  forall s1 t1 s2 t2,
    trace_exec s1 t1 -> trace_exec s2 t2 -> same_erasure s1 t1 s2 t2 ->
    os_equiv ctx o s1 s2 -> views_agree t1 t2.
Proof.
  cofix CIH. intros s1 t1 s2 t2 Hx1 Hx2 Hse Heq.
  destruct Hse as [s1 a1 r1 s1' t1 s2 a2 r2 s2' t2 b He1 He2 Hse].
  inversion Hx1 as [? ? ? ? ? Hs1 Ht1]; subst.
  inversion Hx2 as [? ? ? ? ? Hs2 Ht2]; subst.
  assert (Heq' : os_equiv ctx o s1' s2') by eauto using erased_step_equiv.
  constructor; [exact Heq'|]. exact (CIH s1' t1 s2' t2 Ht1 Ht2 Hse Heq').
Qed.

(** Traces that do not run in lockstep: every two finite prefixes with the
    same observed [o]-actions end in equivalent views. *)
Fixpoint take (n : nat) (t : Stream step_rec) : list step_rec :=
  match n with
  | 0 => []
  | S n' => match t with Cons x t' => x :: take n' t' end
  end.

Lemma trace_exec_take : forall n s t, trace_exec s t -> execution s (take n t).
Proof.
  induction n as [|n IH]; intros s t Hx; [constructor|].
  destruct Hx; simpl; constructor; auto.
Qed.

Corollary non_influence_trace_prefixes :
  forall s1 t1 s2 t2 n1 n2 acts,
    trace_exec s1 t1 -> trace_exec s2 t2 -> os_equiv ctx o s1 s2 ->
    observed s1 (take n1 t1) acts -> observed s2 (take n2 t2) acts ->
    os_equiv ctx o (final s1 (take n1 t1)) (final s2 (take n2 t2)).
Proof.
  intros. eapply non_influence; eauto using trace_exec_take.
Qed.

End NonInfluence.
