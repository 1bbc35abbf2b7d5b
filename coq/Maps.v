(** Finite partial maps keyed by natural numbers, as association lists.

    Association lists extract to plain OCaml lists of pairs, which keeps the
    extracted code and the JSON protocol readable.  [update] replaces an entry
    in place (so traces keep a stable order) and [remove] drops every entry
    for a key.  Maps are compared through [lookup] only: two lists with the
    same lookups are the same map ([meq]). *)

From Coq Require Import List Arith Bool.
Import ListNotations.

Definition map (V : Type) := list (nat * V).

Section Maps.
Context {V : Type}.

Fixpoint lookup (m : map V) (k : nat) : option V :=
  match m with
  | [] => None
  | (k', v) :: t => if Nat.eqb k k' then Some v else lookup t k
  end.

Fixpoint update (m : map V) (k : nat) (v : V) : map V :=
  match m with
  | [] => [(k, v)]
  | (k', v') :: t =>
      if Nat.eqb k k' then (k, v) :: t else (k', v') :: update t k v
  end.

Fixpoint remove (m : map V) (k : nat) : map V :=
  match m with
  | [] => []
  | (k', v') :: t => if Nat.eqb k k' then remove t k else (k', v') :: remove t k
  end.

Definition keys (m : map V) : list nat := List.map fst m.

Definition in_dom (m : map V) (k : nat) : bool :=
  match lookup m k with Some _ => true | None => false end.

(** Extensional equality of maps. *)
Definition meq (m1 m2 : map V) : Prop := forall k, lookup m1 k = lookup m2 k.

(** Every binding satisfies [p]; decided over the keys, so shadowed
    duplicate entries are never consulted. *)
Definition forall_bindings (p : nat -> V -> bool) (m : map V) : bool :=
  forallb (fun k => match lookup m k with Some v => p k v | None => true end)
          (keys m).

(** Some binding satisfies [p]. *)
Definition exists_binding (p : nat -> V -> bool) (m : map V) : bool :=
  existsb (fun k => match lookup m k with Some v => p k v | None => false end)
          (keys m).

(** The least key whose binding satisfies [p]. *)
Definition least_step (p : nat -> V -> bool) (m : map V) (k : nat) (acc : option nat)
  : option nat :=
  match lookup m k with
  | Some v =>
      if p k v then
        match acc with
        | Some k' => if Nat.leb k k' then Some k else Some k'
        | None => Some k
        end
      else acc
  | None => acc
  end.

Definition least_key (p : nat -> V -> bool) (m : map V) : option nat :=
  fold_right (least_step p m) None (keys m).

(** * Lemmas *)

Lemma lookup_update_eq : forall m k v, lookup (update m k v) k = Some v.
Proof.
  induction m as [|[k' v'] t IH]; intros k v; simpl.
  - now rewrite Nat.eqb_refl.
  - destruct (Nat.eqb k k') eqn:E; simpl.
    + now rewrite Nat.eqb_refl.
    + now rewrite E.
Qed.

Lemma lookup_update_neq :
  forall m k k' v, k <> k' -> lookup (update m k v) k' = lookup m k'.
Proof.
  induction m as [|[j w] t IH]; intros k k' v Hne; simpl.
  - apply Nat.eqb_neq in Hne. rewrite Nat.eqb_sym in Hne. now rewrite Hne.
  - destruct (Nat.eqb k j) eqn:E; simpl.
    + apply Nat.eqb_eq in E; subst j.
      apply Nat.eqb_neq in Hne. rewrite Nat.eqb_sym in Hne. now rewrite Hne.
    + destruct (Nat.eqb k' j); auto.
Qed.

Lemma lookup_update :
  forall m k k' v,
    lookup (update m k v) k' = if Nat.eqb k k' then Some v else lookup m k'.
Proof.
  intros m k k' v. destruct (Nat.eqb k k') eqn:E.
  - apply Nat.eqb_eq in E; subst. apply lookup_update_eq.
  - apply Nat.eqb_neq in E. now apply lookup_update_neq.
Qed.

Lemma lookup_remove_eq : forall m k, lookup (remove m k) k = None.
Proof.
  induction m as [|[j w] t IH]; intros k; simpl; auto.
  destruct (Nat.eqb k j) eqn:E; simpl; auto.
  now rewrite E.
Qed.

Lemma lookup_remove_neq :
  forall m k k', k <> k' -> lookup (remove m k) k' = lookup m k'.
Proof.
  induction m as [|[j w] t IH]; intros k k' Hne; simpl; auto.
  destruct (Nat.eqb k j) eqn:E; simpl.
  - apply Nat.eqb_eq in E; subst j.
    assert (Hne' : Nat.eqb k' k = false) by (apply Nat.eqb_neq; auto).
    rewrite Hne'. auto.
  - destruct (Nat.eqb k' j); auto.
Qed.

Lemma lookup_remove :
  forall m k k',
    lookup (remove m k) k' = if Nat.eqb k k' then None else lookup m k'.
Proof.
  intros m k k'. destruct (Nat.eqb k k') eqn:E.
  - apply Nat.eqb_eq in E; subst. apply lookup_remove_eq.
  - apply Nat.eqb_neq in E. now apply lookup_remove_neq.
Qed.

Lemma lookup_in_keys : forall m k v, lookup m k = Some v -> In k (keys m).
Proof.
  induction m as [|[j w] t IH]; intros k v H; simpl in *; [discriminate|].
  destruct (Nat.eqb k j) eqn:E.
  - left. symmetry. now apply Nat.eqb_eq.
  - right. eauto.
Qed.

Lemma in_dom_lookup :
  forall m k, in_dom m k = true <-> exists v, lookup m k = Some v.
Proof.
  intros m k. unfold in_dom. destruct (lookup m k); split; intros H.
  - eauto.
  - reflexivity.
  - discriminate.
  - now destruct H.
Qed.

Lemma forall_bindings_spec :
  forall p m,
    forall_bindings p m = true <-> (forall k v, lookup m k = Some v -> p k v = true).
Proof.
  intros p m. unfold forall_bindings. rewrite forallb_forall. split.
  - intros H k v Hl. specialize (H k (lookup_in_keys _ _ _ Hl)). now rewrite Hl in H.
  - intros H k _. destruct (lookup m k) eqn:Hl; auto.
Qed.

Lemma exists_binding_spec :
  forall p m,
    exists_binding p m = true <-> (exists k v, lookup m k = Some v /\ p k v = true).
Proof.
  intros p m. unfold exists_binding. rewrite existsb_exists. split.
  - intros [k [_ H]]. destruct (lookup m k) eqn:Hl; [|discriminate]. eauto.
  - intros [k [v [Hl Hp]]]. exists k. split.
    + eapply lookup_in_keys; eauto.
    + now rewrite Hl.
Qed.

Lemma least_fold_none :
  forall p m l,
    fold_right (least_step p m) None l = None ->
    forall k v, In k l -> lookup m k = Some v -> p k v = false.
Proof.
  intros p m l. induction l as [|j l IH]; intros H k v Hin Hl; [destruct Hin|].
  simpl in H. unfold least_step at 1 in H.
  destruct (lookup m j) as [vj|] eqn:Hj.
  - destruct (p j vj) eqn:Hp.
    + destruct (fold_right _ None l); [destruct (Nat.leb _ _)|]; discriminate.
    + destruct Hin as [<-|Hin]; eauto. congruence.
  - destruct Hin as [<-|Hin]; eauto. congruence.
Qed.

Lemma least_fold_some :
  forall p m l k,
    fold_right (least_step p m) None l = Some k ->
    (exists v, lookup m k = Some v /\ p k v = true) /\
    (forall k' v', In k' l -> lookup m k' = Some v' -> p k' v' = true -> k <= k').
Proof.
  intros p m l. induction l as [|j l IH]; intros k H; simpl in H; [discriminate|].
  unfold least_step at 1 in H.
  destruct (lookup m j) as [vj|] eqn:Hj.
  - destruct (p j vj) eqn:Hp.
    + destruct (fold_right _ None l) as [k0|] eqn:Hacc.
      * destruct (IH k0 eq_refl) as [Hex Hmin].
        destruct (Nat.leb j k0) eqn:Hle; injection H as <-.
        -- split; [eauto|].
           intros k' v' [<-|Hin] Hl Hp'; auto.
           apply Nat.leb_le in Hle. eapply Nat.le_trans; eauto.
        -- split; auto.
           intros k' v' [<-|Hin] Hl Hp'; eauto.
           apply Nat.leb_gt in Hle. now apply Nat.lt_le_incl.
      * injection H as <-. split; [eauto|].
        intros k' v' [<-|Hin] Hl Hp'; auto.
        exfalso. pose proof (least_fold_none p m l Hacc k' v' Hin Hl). congruence.
    + destruct (IH k H) as [Hex Hmin]. split; auto.
      intros k' v' [<-|Hin] Hl Hp'; eauto. congruence.
  - destruct (IH k H) as [Hex Hmin]. split; auto.
    intros k' v' [<-|Hin] Hl Hp'; eauto. congruence.
Qed.

Lemma least_key_some :
  forall p m k,
    least_key p m = Some k ->
    (exists v, lookup m k = Some v /\ p k v = true) /\
    (forall k' v', lookup m k' = Some v' -> p k' v' = true -> k <= k').
Proof.
  intros p m k H. destruct (least_fold_some p m (keys m) k H) as [Hex Hmin].
  split; auto. intros k' v' Hl Hp. eapply Hmin; eauto. eapply lookup_in_keys; eauto.
Qed.

Lemma least_key_none :
  forall p m,
    least_key p m = None -> forall k v, lookup m k = Some v -> p k v = false.
Proof.
  intros p m H k v Hl. eapply least_fold_none; eauto. eapply lookup_in_keys; eauto.
Qed.

End Maps.

Arguments map : clear implicits.
