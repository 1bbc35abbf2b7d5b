(** Why [availability] assumes [quiet_when_running] of the first state:
    with MODEL.md's fairness reading alone ("always eventually a guest
    runs") the statement is false.  Guest 0 runs forever (silently) while
    guest 1 has a hypercall pending: no [Chmod] ever happens, so (i) holds,
    a guest runs at every state, so (ii) holds, and guest 1 is never
    served.  The state is valid: [running_no_hcall] constrains only the
    active guest. *)

From Coq Require Import List.
From VirtualCert Require Import AList Maps Model Actions Errors Valid Pre Post Semantics.
From VirtualCert Require Import AvailabilitySteps AvailabilityTraces Availability.
Import ListNotations.

(** No hypervisor window, no trusted guest. *)
Definition starved_ctx : context := mk_context [] [].

(** Guest 0 runs; guest 1 waits for [HC_del 0] to be served.  Each guest
    has one empty page table as its current page (physical 0). *)
Definition starved_state : state :=
  mk_state 0 Usr Running
    (of_list [(0, mk_os_info 0 None); (1, mk_os_info 0 (Some (HC_del 0)))])
    (of_list [(0, (of_list [(0, 0)])); (1, (of_list [(0, 1)]))])
    (of_list [(0, mk_page (PT Leaf) (Os 0)); (1, mk_page (PT Leaf) (Os 1))]).

(** Enumerate the keys of a two-entry map from a successful lookup. *)
Ltac two_keys H :=
  let k := fresh "k" in
  match type of H with
  | lookup _ ?x = Some _ =>
      try unfold starved_state in H; cbn [oss hyp mem] in H; try rewrite lookup_of_list in H;
      destruct x as [|[|k]]; simpl in H;
      repeat match type of H with context [low_bit ?j] => destruct (low_bit j) end;
      try discriminate
  end.

Lemma starved_state_valid : valid_state starved_ctx starved_state.
Proof.
  refine (conj _ (conj _ (conj _ (conj _ (conj (conj _ _)
            (conj _ (conj (conj _ (conj _ _)) _))))))).
  - intros o info Hl Ht. discriminate.
  - intros _ info Hl. simpl in Hl. injection Hl as <-. reflexivity.
  - intros [H | H]; [discriminate | discriminate].
  - intros _ _. reflexivity.
  - intros o pm pa ma Hh Hp.
    two_keys Hh; injection Hh as <-; two_keys Hp; injection Hp as <-;
      eexists; split; reflexivity.
  - intros o pm pa1 pa2 ma Hh H1 H2.
    two_keys Hh; injection Hh as <-; two_keys H1; two_keys H2; reflexivity.
  - intros ma m o va ma' Hm Hv.
    two_keys Hm; injection Hm as <- <-; discriminate.
  - intros o info Hl.
    two_keys Hl; injection Hl as <-; do 3 eexists; repeat split; reflexivity.
  - eexists. reflexivity.
  - intros o pm Hh. two_keys Hh; eexists; reflexivity.
  - intros ma m o va ma' Hm Hv.
    two_keys Hm; injection Hm as <- <-; discriminate.
Qed.

(** Guest 0 does nothing, forever. *)
CoFixpoint starved_trace : inf_trace := Tcons starved_state Silent Ok starved_trace.

Lemma starved_trace_unfold : starved_trace = Tcons starved_state Silent Ok starved_trace.
Proof. exact (inf_trace_unfold_eq starved_trace). Qed.

Lemma starved_trace_run : run starved_ctx starved_trace.
Proof.
  cofix CH. rewrite starved_trace_unfold. constructor; [|exact CH].
  rewrite starved_trace_unfold. simpl.
  apply exec_ok; [exact starved_state_valid | exact I | reflexivity].
Qed.

(** Any state property of [starved_state] holds always along the trace. *)
Lemma starved_trace_always :
  forall P : inf_trace -> Prop, P starved_trace -> always P starved_trace.
Proof.
  intros P HP. cofix CH. rewrite starved_trace_unfold.
  constructor; [rewrite <- starved_trace_unfold; exact HP | exact CH].
Qed.

Lemma starved_guest_never_served :
  ~ eventually (now (served 1)) starved_trace.
Proof.
  intros Hev. remember starved_trace as t eqn:Et.
  induction Hev as [t Hs | s a r t _ IH].
  - subst t. rewrite starved_trace_unfold in Hs.
    destruct Hs as [info [Hl Hh]]. simpl in Hl. injection Hl as <-. discriminate.
  - apply IH. rewrite starved_trace_unfold in Et. injection Et as _ _ _ ->. reflexivity.
Qed.

Theorem availability_needs_quiet_start :
  exists ctx t,
    run ctx t /\
    always chmod_only_when_quiet t /\
    always (eventually (now guest_running)) t /\
    ~ always pending_eventually_served t.
Proof.
  exists starved_ctx, starved_trace. repeat split.
  - exact starved_trace_run.
  - apply starved_trace_always. rewrite starved_trace_unfold. discriminate.
  - apply starved_trace_always. apply eventually_now. rewrite starved_trace_unfold. reflexivity.
  - intros Hall. apply always_now in Hall.
    apply starved_guest_never_served.
    rewrite starved_trace_unfold in Hall |- *.
    exact (Hall 1 _ (HC_del 0) eq_refl eq_refl).
Qed.
