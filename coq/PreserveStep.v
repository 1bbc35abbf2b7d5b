(** Preservation of [valid_state] by the executable specification: [step]
    is a transition of [exec] from a valid state ([step_sound]), so its
    result is valid, and so is every state along a [trace]. *)

From Coq Require Import List.
From VirtualCert Require Import Model Actions Errors Valid Step StepSound Preservation.

Theorem step_preserves_valid :
  forall ctx s a,
    valid_state ctx s -> valid_state ctx (result_state (step ctx s a)).
Proof.
  intros ctx s a Hv. exact (exec_preserves_valid ctx s a _ _ (step_sound ctx s Hv a)).
Qed.

Theorem trace_preserves_valid :
  forall ctx acts s,
    valid_state ctx s -> forall r, In r (trace ctx s acts) -> valid_state ctx (result_state r).
Proof.
  intros ctx acts. induction acts as [|a rest IH]; intros s Hv r Hin; simpl in Hin.
  - contradiction.
  - pose proof (step_preserves_valid ctx s a Hv) as Hv'.
    destruct Hin as [<-|Hin]; eauto.
Qed.
