(** Functional transparency of the caches: the base part of [cstep] is
    exactly [step] (same response, same base state), so every theorem about
    [step] carries over to the cache variant unchanged. *)

From Coq Require Import List.
From VirtualCert Require Import Maps Model Actions Errors Valid Semantics Step StepSound.
From VirtualCert Require Import PreserveStep CacheModel CacheStep.

Section Base.
Variable cfg : cache_config.
Variable ctx : context.

(** Both branches of [guest_access] keep the base state it is given. *)
Lemma guest_access_base :
  forall cs s' va w,
    cresponse (guest_access cfg cs s' va w) = Ok /\
    hv (cresult_state (guest_access cfg cs s' va w)) = s'.
Proof.
  intros cs s' va w. unfold guest_access.
  destruct (maps_to (hv cs) (active_os (hv cs)) va); simpl; auto.
  destruct w; simpl; auto.
Qed.

Theorem cstep_base :
  forall cs a,
    cresponse (cstep cfg ctx cs a) = response (step ctx (hv cs) a) /\
    hv (cresult_state (cstep cfg ctx cs a)) = result_state (step ctx (hv cs) a).
Proof.
  intros cs a. unfold cstep.
  destruct (step ctx (hv cs) a) as [r s'] eqn:Hs; simpl.
  destruct r as [|ec]; simpl.
  - destruct a; simpl; auto using guest_access_base;
      repeat match goal with
      | |- context [if ?b then _ else _] => destruct b
      end; simpl; auto.
  - (* an error leaves the state unchanged *)
    unfold step in Hs. destruct (pre_error ctx (hv cs) a); injection Hs; auto; discriminate.
Qed.

Corollary cstep_response :
  forall cs a, cresponse (cstep cfg ctx cs a) = response (step ctx (hv cs) a).
Proof. intros. apply cstep_base. Qed.

Corollary cstep_hv :
  forall cs a, hv (cresult_state (cstep cfg ctx cs a)) = result_state (step ctx (hv cs) a).
Proof. intros. apply cstep_base. Qed.

(** Soundness carries over: every [cstep] is a transition of the semantics
    with errors on the base state. *)
Theorem cstep_sound :
  forall cs a,
    valid_state ctx (hv cs) ->
    exec ctx (hv cs) a (cresponse (cstep cfg ctx cs a)) (hv (cresult_state (cstep cfg ctx cs a))).
Proof.
  intros cs a Hv. rewrite cstep_response, cstep_hv. now apply step_sound.
Qed.

Theorem cstep_preserves_valid :
  forall cs a, valid_state ctx (hv cs) -> valid_state ctx (hv (cresult_state (cstep cfg ctx cs a))).
Proof. intros cs a Hv. rewrite cstep_hv. now apply step_preserves_valid. Qed.

(** Along a whole run, the base states are those of [trace]. *)
Theorem ctrace_base :
  forall acts cs,
    List.map (fun r => (cresponse r, hv (cresult_state r))) (ctrace cfg ctx cs acts) =
    List.map (fun r => (response r, result_state r)) (trace ctx (hv cs) acts).
Proof.
  induction acts as [|a rest IH]; intros cs; simpl; auto.
  rewrite cstep_response, cstep_hv, IH, cstep_hv. reflexivity.
Qed.

End Base.
