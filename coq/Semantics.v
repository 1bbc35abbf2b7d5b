(** The semantics with errors (TYPES 2013): [exec ctx s a r s'] is the
    transition [s —a/r→ s'] from a valid state. *)

From VirtualCert Require Import Model Actions Errors Valid Pre Post ErrorMsg.

Inductive exec (ctx : context) : state -> action -> outcome -> state -> Prop :=
| exec_ok : forall s a s',
    valid_state ctx s -> Pre ctx s a -> Post ctx s a s' -> exec ctx s a Ok s'
| exec_error : forall s a ec,
    valid_state ctx s -> ~ Pre ctx s a -> ErrorMsg ctx s a ec -> exec ctx s a (Error ec) s.
