(** Infinite executions of the semantics with errors, and the temporal
    operators used to state availability (FM 2011).

    An [inf_trace] (named apart from [Step.trace], which runs a finite
    list of actions) is a stream of steps [s —a/r→ ...]; consecutive steps
    are chained by [run], which asks every step to be a transition of
    [exec] whose target is the first state of the rest of the trace. *)

From VirtualCert Require Import Model Actions Errors Semantics.

CoInductive inf_trace : Type :=
| Tcons (s : state) (a : action) (r : outcome) (rest : inf_trace).

Definition first_state (t : inf_trace) : state :=
  match t with Tcons s _ _ _ => s end.

(** Unfold a trace one step; used to compute with cofixpoints. *)
Definition inf_trace_unfold (t : inf_trace) : inf_trace :=
  match t with Tcons s a r rest => Tcons s a r rest end.

Lemma inf_trace_unfold_eq : forall t, t = inf_trace_unfold t.
Proof. intros []. reflexivity. Qed.

(** Every step of [t] is a transition of the semantics with errors. *)
CoInductive run (ctx : context) : inf_trace -> Prop :=
| run_cons : forall s a r t,
    exec ctx s a r (first_state t) -> run ctx t -> run ctx (Tcons s a r t).

(** * Temporal operators over traces *)

CoInductive always (P : inf_trace -> Prop) : inf_trace -> Prop :=
| always_cons : forall s a r t,
    P (Tcons s a r t) -> always P t -> always P (Tcons s a r t).

Inductive eventually (P : inf_trace -> Prop) : inf_trace -> Prop :=
| eventually_now : forall t, P t -> eventually P t
| eventually_later : forall s a r t,
    eventually P t -> eventually P (Tcons s a r t).

(** A state property, read at the first state of a trace. *)
Definition now (p : state -> Prop) (t : inf_trace) : Prop := p (first_state t).

Lemma always_now : forall P t, always P t -> P t.
Proof. intros P t H. destruct H. assumption. Qed.

Lemma always_rest :
  forall P s a r t, always P (Tcons s a r t) -> always P t.
Proof. intros P s a r t H. inversion H. assumption. Qed.

Lemma run_rest :
  forall ctx s a r t, run ctx (Tcons s a r t) -> run ctx t.
Proof. intros ctx s a r t H. inversion H. assumption. Qed.

(** A run is a run from every point on. *)
Lemma run_always : forall ctx t, run ctx t -> always (run ctx) t.
Proof.
  cofix CH. intros ctx [s a r t] H.
  constructor; [exact H|].
  apply CH. eapply run_rest. exact H.
Qed.

(** Combine an invariant with a liveness property: where [P] eventually
    holds and [Q] always does, something implied by both eventually holds. *)
Lemma eventually_with_always :
  forall (P Q R : inf_trace -> Prop) t,
    (forall t', Q t' -> P t' -> R t') ->
    always Q t -> eventually P t -> eventually R t.
Proof.
  intros P Q R t Himp Hq Hev. induction Hev as [t Hp | s a r t _ IH].
  - apply eventually_now. apply Himp; [apply always_now|]; assumption.
  - apply eventually_later. apply IH. eapply always_rest. exact Hq.
Qed.

(** An invariant of single steps holds along a whole run from a state
    where it holds. *)
Lemma always_invariant :
  forall ctx (inv : state -> Prop) (ok_step : inf_trace -> Prop) t,
    (forall s a r t',
        exec ctx s a r (first_state t') -> ok_step (Tcons s a r t') ->
        inv s -> inv (first_state t')) ->
    run ctx t -> always ok_step t -> inv (first_state t) -> always (now inv) t.
Proof.
  intros ctx inv ok_step. cofix CH. intros [s a r t] Hpres Hrun Hok Hinv.
  inversion Hrun as [s' a' r' t' Hexec Hrun' E]; subst.
  constructor; [exact Hinv|].
  apply CH; [exact Hpres | exact Hrun' | eapply always_rest; exact Hok |].
  eapply Hpres; [exact Hexec | apply always_now; exact Hok | exact Hinv].
Qed.

(** A property kept by every transition holds along a whole run from a
    state where it holds. *)
Lemma run_invariant :
  forall ctx (inv : state -> Prop) t,
    (forall s a r s', exec ctx s a r s' -> inv s -> inv s') ->
    run ctx t -> inv (first_state t) -> always (now inv) t.
Proof.
  intros ctx inv. cofix CH. intros [s a r t] Hpres Hrun Hinv.
  inversion Hrun as [s' a' r' t' Hexec Hrun' E]; subst.
  constructor; [exact Hinv|].
  apply CH; [exact Hpres | exact Hrun' | exact (Hpres _ _ _ _ Hexec Hinv)].
Qed.

Lemma always_and :
  forall (P Q : inf_trace -> Prop) t,
    always P t -> always Q t -> always (fun t' => P t' /\ Q t') t.
Proof.
  intros P Q. cofix CH. intros [s a r t] Hp Hq.
  constructor.
  - split; apply always_now; assumption.
  - apply CH; eapply always_rest; eassumption.
Qed.

Lemma always_impl :
  forall (P Q : inf_trace -> Prop) t,
    (forall t', P t' -> Q t') -> always P t -> always Q t.
Proof.
  intros P Q t Himp. revert t. cofix CH. intros [s a r t] Hp.
  constructor.
  - apply Himp. apply always_now. exact Hp.
  - apply CH. eapply always_rest. exact Hp.
Qed.
