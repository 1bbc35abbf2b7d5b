(** The inverse of a map of naturals, for the decision procedures
    (ValidDec.v, docs/design-maps.md): "which physical page maps this machine
    page".  The model's maps are tries ([Maps.v]) and are read directly with
    [lookup]; the inverse of each physical map is the one index a decision
    still has to build, once per call. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps.
Import ListNotations.

(** Bind each value of a list of pairs to its key, onto [t]: the last pair of
    a value wins.  Tail-recursive, for maps of 10^5 pages. *)
Definition invert_onto (l : list (nat * nat)) (t : map nat) : map nat :=
  fold_left (fun t e => update t (snd e) (fst e)) l t.

(** The inverse of a map of naturals: from each value to a key bound to it. *)
Definition inverse (m : map nat) : map nat := invert_onto (bindings m) Leaf.

Lemma invert_onto_some :
  forall l t v k,
    lookup (invert_onto l t) v = Some k -> In (k, v) l \/ lookup t v = Some k.
Proof.
  induction l as [|[k0 v0] l IH]; intros t v k H; simpl in *; [auto|].
  apply IH in H as [H|H]; [auto|]. rewrite lookup_update in H.
  destruct (Nat.eqb v0 v) eqn:E; [|auto]. apply Nat.eqb_eq in E. injection H as <-.
  subst. auto.
Qed.

Lemma invert_onto_none :
  forall l t v,
    lookup (invert_onto l t) v = None -> lookup t v = None /\ forall k, ~ In (k, v) l.
Proof.
  induction l as [|[k0 v0] l IH]; intros t v H; simpl in *; [split; auto|].
  apply IH in H as [H Hl]. rewrite lookup_update in H.
  destruct (Nat.eqb v0 v) eqn:E; [discriminate|]. split; [exact H|].
  intros k [[= -> ->]|Hin]; [now rewrite Nat.eqb_refl in E|exact (Hl k Hin)].
Qed.

Lemma lookup_inverse_some :
  forall m v k, lookup (inverse m) v = Some k -> lookup m k = Some v.
Proof.
  intros m v k H. apply invert_onto_some in H as [H|H]; [|discriminate].
  now apply in_bindings.
Qed.

Lemma lookup_inverse_none :
  forall m v, lookup (inverse m) v = None -> forall k, lookup m k <> Some v.
Proof.
  intros m v H k Hl. apply invert_onto_none in H as [_ H].
  apply (H k). now apply in_bindings.
Qed.
