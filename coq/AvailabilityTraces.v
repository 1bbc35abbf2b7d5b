(** Infinite executions of the semantics with errors, and the temporal
    operators used to state availability (FM 2011).

    A trace is a stream of steps [s —a/r→ ...]; the step's target is the
    source state of the rest of the trace, so consecutive steps are
    chained by construction of [run], which asks every step to be a
    transition of [exec]. *)

From VirtualCert Require Import Model Actions Errors Semantics.

CoInductive trace : Type :=
| Tcons (s : state) (a : action) (r : outcome) (rest : trace).

Definition head (t : trace) : state :=
  match t with Tcons s _ _ _ => s end.

(** Unfold a trace one step; used to compute with cofixpoints. *)
Definition trace_unfold (t : trace) : trace :=
  match t with Tcons s a r rest => Tcons s a r rest end.

Lemma trace_unfold_eq : forall t, t = trace_unfold t.
Proof. intros []. reflexivity. Qed.

(** Every step of [t] is a transition of the semantics with errors. *)
CoInductive run (ctx : context) : trace -> Prop :=
| run_cons : forall s a r t,
    exec ctx s a r (head t) -> run ctx t -> run ctx (Tcons s a r t).

(** * Temporal operators over traces *)

CoInductive always (P : trace -> Prop) : trace -> Prop :=
| always_cons : forall s a r t,
    P (Tcons s a r t) -> always P t -> always P (Tcons s a r t).

Inductive eventually (P : trace -> Prop) : trace -> Prop :=
| eventually_now : forall t, P t -> eventually P t
| eventually_later : forall s a r t,
    eventually P t -> eventually P (Tcons s a r t).

(** A state property, read at the first state of a trace. *)
Definition now (p : state -> Prop) (t : trace) : Prop := p (head t).

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
  forall (P Q R : trace -> Prop) t,
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
  forall ctx (inv : state -> Prop) (ok_step : trace -> Prop) t,
    (forall s a r t',
        exec ctx s a r (head t') -> ok_step (Tcons s a r t') ->
        inv s -> inv (head t')) ->
    run ctx t -> always ok_step t -> inv (head t) -> always (now inv) t.
Proof.
  intros ctx inv ok_step. cofix CH. intros [s a r t] Hpres Hrun Hok Hinv.
  inversion Hrun as [s' a' r' t' Hexec Hrun' E]; subst.
  constructor; [exact Hinv|].
  apply CH; [exact Hpres | exact Hrun' | eapply always_rest; exact Hok |].
  eapply Hpres; [exact Hexec | apply always_now; exact Hok | exact Hinv].
Qed.
