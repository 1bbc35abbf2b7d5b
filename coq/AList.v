(** Association lists keyed by natural numbers, for the cache and the TLB
    (CacheModel.v), whose entry order is their FIFO eviction order: a new key
    is appended and [CacheModel.bounded_insert] drops the head.  The model's
    maps are the tries of [Maps.v]; these keep the list functions and lemmas
    the cache proofs read, under names of their own ([alookup], ...). *)

From Coq Require Import List Arith Bool.
Import ListNotations.

Definition alist (V : Type) := list (nat * V).

(** The domain test of both kinds of map, [ain_dom] here and [Maps.in_dom]. *)
Lemma is_some_true {A : Type} (o : option A) :
  match o with Some _ => true | None => false end = true <-> exists v, o = Some v.
Proof. destruct o; split; intros H; [eauto | reflexivity | discriminate | now destruct H]. Qed.

Section AList.
Context {V : Type}.

Fixpoint alookup (m : alist V) (k : nat) : option V :=
  match m with
  | [] => None
  | (k', v) :: t => if Nat.eqb k k' then Some v else alookup t k
  end.

(** Replace an entry in place, or append a new key. *)
Fixpoint aupdate (m : alist V) (k : nat) (v : V) : alist V :=
  match m with
  | [] => [(k, v)]
  | (k', v') :: t =>
      if Nat.eqb k k' then (k, v) :: t else (k', v') :: aupdate t k v
  end.

Fixpoint aremove (m : alist V) (k : nat) : alist V :=
  match m with
  | [] => []
  | (k', v') :: t => if Nat.eqb k k' then aremove t k else (k', v') :: aremove t k
  end.

Definition akeys (m : alist V) : list nat := List.map fst m.

Definition ain_dom (m : alist V) (k : nat) : bool :=
  match alookup m k with Some _ => true | None => false end.

Lemma alookup_update_eq : forall m k v, alookup (aupdate m k v) k = Some v.
Proof.
  induction m as [|[k' v'] t IH]; intros k v; simpl.
  - now rewrite Nat.eqb_refl.
  - destruct (Nat.eqb k k') eqn:E; simpl.
    + now rewrite Nat.eqb_refl.
    + now rewrite E.
Qed.

Lemma alookup_update_neq :
  forall m k k' v, k <> k' -> alookup (aupdate m k v) k' = alookup m k'.
Proof.
  induction m as [|[j w] t IH]; intros k k' v Hne; simpl.
  - apply Nat.eqb_neq in Hne. rewrite Nat.eqb_sym in Hne. now rewrite Hne.
  - destruct (Nat.eqb k j) eqn:E; simpl.
    + apply Nat.eqb_eq in E; subst j.
      apply Nat.eqb_neq in Hne. rewrite Nat.eqb_sym in Hne. now rewrite Hne.
    + destruct (Nat.eqb k' j); auto.
Qed.

Lemma alookup_update :
  forall m k k' v,
    alookup (aupdate m k v) k' = if Nat.eqb k k' then Some v else alookup m k'.
Proof.
  intros m k k' v. destruct (Nat.eqb k k') eqn:E.
  - apply Nat.eqb_eq in E; subst. apply alookup_update_eq.
  - apply Nat.eqb_neq in E. now apply alookup_update_neq.
Qed.

Lemma alookup_remove_eq : forall m k, alookup (aremove m k) k = None.
Proof.
  induction m as [|[j w] t IH]; intros k; simpl; auto.
  destruct (Nat.eqb k j) eqn:E; simpl; auto.
  now rewrite E.
Qed.

Lemma alookup_remove_neq :
  forall m k k', k <> k' -> alookup (aremove m k) k' = alookup m k'.
Proof.
  induction m as [|[j w] t IH]; intros k k' Hne; simpl; auto.
  destruct (Nat.eqb k j) eqn:E; simpl.
  - apply Nat.eqb_eq in E; subst j.
    assert (Hne' : Nat.eqb k' k = false) by (apply Nat.eqb_neq; auto).
    rewrite Hne'. auto.
  - destruct (Nat.eqb k' j); auto.
Qed.

Lemma alookup_remove :
  forall m k k',
    alookup (aremove m k) k' = if Nat.eqb k k' then None else alookup m k'.
Proof.
  intros m k k'. destruct (Nat.eqb k k') eqn:E.
  - apply Nat.eqb_eq in E; subst. apply alookup_remove_eq.
  - apply Nat.eqb_neq in E. now apply alookup_remove_neq.
Qed.

Lemma alookup_in_keys : forall m k v, alookup m k = Some v -> In k (akeys m).
Proof.
  induction m as [|[j w] t IH]; intros k v H; simpl in *; [discriminate|].
  destruct (Nat.eqb k j) eqn:E.
  - left. symmetry. now apply Nat.eqb_eq.
  - right. eauto.
Qed.

Lemma ain_dom_lookup :
  forall m k, ain_dom m k = true <-> exists v, alookup m k = Some v.
Proof. intros m k. apply is_some_true. Qed.

(** An entry [alookup] finds is in the list. *)
Lemma alookup_in : forall m k v, alookup m k = Some v -> In (k, v) m.
Proof.
  induction m as [|[j w] t IH]; intros k v H; simpl in *; [discriminate|].
  destruct (Nat.eqb k j) eqn:E; auto.
  apply Nat.eqb_eq in E. injection H as <-. subst. now left.
Qed.

End AList.

Arguments alist : clear implicits.
