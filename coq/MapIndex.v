(** The inverse of a map of naturals, for the decision procedures
    (ValidDec.v, docs/design-maps.md): "which physical page maps this machine
    page".  The model's maps are tries ([Maps.v]) and are read directly with
    [lookup]; the inverse of each physical map is the one index a decision
    still has to build, once per call. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps.
Import ListNotations.

(** The inverse of a map of naturals: from each value to a key bound to it.
    One traversal that binds each value to its key (the last binding of a
    value visited wins), without the list of bindings. *)
Definition inverse (m : map nat) : map nat := fold (fun k v t => update t v k) m Leaf.

(** The same, as a [fold_right] over the bindings. *)
Definition invert (l : list (nat * nat)) : map nat :=
  fold_right (fun e t => update t (snd e) (fst e)) Leaf l.

Lemma inverse_invert : forall m, inverse m = invert (bindings m).
Proof.
  intros m. unfold inverse, invert, bindings. rewrite !fold_spec.
  apply (fold_from_right (fun k v t => update t v k)).
Qed.

Lemma invert_some : forall l v k, lookup (invert l) v = Some k -> In (k, v) l.
Proof.
  induction l as [|[k0 v0] l IH]; intros v k H; [discriminate|]. cbn in H.
  rewrite lookup_update in H. destruct (Nat.eqb v0 v) eqn:E.
  - apply Nat.eqb_eq in E. injection H as <-. subst. now left.
  - right. now apply IH.
Qed.

Lemma invert_none : forall l v, lookup (invert l) v = None -> forall k, ~ In (k, v) l.
Proof.
  induction l as [|[k0 v0] l IH]; intros v H k Hin; [destruct Hin|]. cbn in H.
  rewrite lookup_update in H. destruct (Nat.eqb v0 v) eqn:E; [discriminate|].
  destruct Hin as [[= -> ->]|Hin]; [now rewrite Nat.eqb_refl in E|exact (IH v H k Hin)].
Qed.

Lemma lookup_inverse_some :
  forall m v k, lookup (inverse m) v = Some k -> lookup m k = Some v.
Proof.
  intros m v k H. rewrite inverse_invert in H.
  apply invert_some in H. now apply in_bindings.
Qed.

Lemma lookup_inverse_none :
  forall m v, lookup (inverse m) v = None -> forall k, lookup m k <> Some v.
Proof.
  intros m v H k Hl. rewrite inverse_invert in H.
  apply (invert_none _ v H k). now apply in_bindings.
Qed.
