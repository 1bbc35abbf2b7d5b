(** Finite partial maps keyed by natural numbers, as association lists.

    Association lists extract to plain OCaml lists of pairs, which keeps the
    extracted code and the JSON protocol readable.  [update] replaces an entry
    in place (so traces keep a stable order) and [remove] drops every entry
    for a key.  Maps are compared through [lookup] only: two lists with the
    same lookups are the same map ([meq]).  The quantifiers over bindings
    take one pass over the entries; [MapIndex.v] adds the read-only indexes
    that keep lookups inside a traversal logarithmic (docs/design-maps.md). *)

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

(** Every binding satisfies [p], each key read once through [lookup]:
    quadratic.  The quantifiers below fall back on these per-key readings
    only for a list that repeats a key (the driver's codec refuses those, and
    [update] and [remove] never make one). *)
Definition forall_keys (p : nat -> V -> bool) (m : map V) : bool :=
  forallb (fun k => match lookup m k with Some v => p k v | None => true end)
          (keys m).

(** Every binding satisfies [p]: one pass over the entries.  The first entry
    that fails [p] is a counterexample unless a repeated key shadows it. *)
Definition forall_bindings (p : nat -> V -> bool) (m : map V) : bool :=
  match find (fun e => negb (p (fst e) (snd e))) m with
  | None => true
  | Some (k, _) =>
      match lookup m k with
      | Some v => if p k v then forall_keys p m else false
      | None => false
      end
  end.

(** Some binding satisfies [p]. *)
Definition exists_binding (p : nat -> V -> bool) (m : map V) : bool :=
  negb (forall_bindings (fun k v => negb (p k v)) m).

(** The least key whose binding satisfies [p], per key (the fallback). *)
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

Definition least_keys (p : nat -> V -> bool) (m : map V) : option nat :=
  fold_right (least_step p m) None (keys m).

(** The least of [acc] and [k]. *)
Definition keep_least (acc : option nat) (k : nat) : option nat :=
  match acc with
  | Some k' => if Nat.leb k' k then Some k' else Some k
  | None => Some k
  end.

(** The least key of the entries that satisfy [p], shadowed ones included. *)
Fixpoint least_entry (p : nat -> V -> bool) (m : map V) (acc : option nat) : option nat :=
  match m with
  | [] => acc
  | (k, v) :: t => least_entry p t (if p k v then keep_least acc k else acc)
  end.

(** The least key whose binding satisfies [p]: one pass, then one [lookup]
    to check that the entry found is not shadowed. *)
Definition least_key (p : nat -> V -> bool) (m : map V) : option nat :=
  match least_entry p m None with
  | None => None
  | Some k =>
      match lookup m k with
      | Some v => if p k v then Some k else least_keys p m
      | None => None
      end
  end.

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

(** A list fact, used by the one-pass quantifiers (and by ValidRefl.v). *)
Lemma find_none_iff :
  forall (A : Type) (f : A -> bool) l,
    find f l = None <-> forall x, In x l -> f x = false.
Proof.
  intros A f l. induction l as [|y l IH]; simpl.
  - split; [intros _ _ []|reflexivity].
  - destruct (f y) eqn:Hy; split.
    + discriminate.
    + intros H. rewrite (H y (or_introl eq_refl)) in Hy. discriminate.
    + intros H x [<-|Hx]; auto. now apply IH.
    + intros H. apply IH. auto.
Qed.

(** An entry [lookup] finds is in the list; every entry's key has a binding. *)
Lemma lookup_in : forall m k v, lookup m k = Some v -> In (k, v) m.
Proof.
  induction m as [|[j w] t IH]; intros k v H; simpl in *; [discriminate|].
  destruct (Nat.eqb k j) eqn:E; auto.
  apply Nat.eqb_eq in E. injection H as <-. subst. now left.
Qed.

Lemma in_lookup : forall m k v, In (k, v) m -> exists v', lookup m k = Some v'.
Proof.
  induction m as [|[j w] t IH]; intros k v H; simpl in *; [destruct H|].
  destruct (Nat.eqb k j) eqn:E; eauto.
  destruct H as [[= -> ->]|H]; eauto. now rewrite Nat.eqb_refl in E.
Qed.

Lemma forall_keys_spec :
  forall p m,
    forall_keys p m = true <-> (forall k v, lookup m k = Some v -> p k v = true).
Proof.
  intros p m. unfold forall_keys. rewrite forallb_forall. split.
  - intros H k v Hl. specialize (H k (lookup_in_keys _ _ _ Hl)). now rewrite Hl in H.
  - intros H k _. destruct (lookup m k) eqn:Hl; auto.
Qed.

Lemma forall_bindings_spec :
  forall p m,
    forall_bindings p m = true <-> (forall k v, lookup m k = Some v -> p k v = true).
Proof.
  intros p m. unfold forall_bindings.
  destruct (find _ m) as [[k w]|] eqn:Hf.
  - apply find_some in Hf as [Hin Hw]. simpl in Hw.
    destruct (in_lookup m k w Hin) as [v Hl]. rewrite Hl.
    destruct (p k v) eqn:Hp; [apply forall_keys_spec|].
    split; [discriminate|]. intros H. rewrite (H k v Hl) in Hp. discriminate.
  - rewrite find_none_iff in Hf. split; [|reflexivity]. intros _ k v Hl.
    apply lookup_in in Hl. specialize (Hf (k, v) Hl). simpl in Hf.
    now apply negb_false_iff.
Qed.

Lemma forallb_false :
  forall (A : Type) (f : A -> bool) l, forallb f l = false -> exists x, In x l /\ f x = false.
Proof.
  intros A f l. induction l as [|x l IH]; simpl; [discriminate|].
  destruct (f x) eqn:Hx; simpl; intros H; [|eauto].
  destruct (IH H) as (y & Hy & Hf). eauto.
Qed.

Lemma forall_bindings_false :
  forall p m,
    forall_bindings p m = false <-> (exists k v, lookup m k = Some v /\ p k v = false).
Proof.
  intros p m. split.
  - unfold forall_bindings. destruct (find _ m) as [[k w]|] eqn:Hf; [|discriminate].
    apply find_some in Hf as [Hin _].
    destruct (lookup m k) as [v|] eqn:Hl.
    + destruct (p k v) eqn:Hp; [|eauto].
      unfold forall_keys. intros H. apply forallb_false in H as (j & _ & Hj).
      destruct (lookup m j) eqn:Hlj; [eauto|discriminate].
    + destruct (in_lookup m k w Hin) as [v Hv]. congruence.
  - intros (k & v & Hl & Hp). destruct (forall_bindings p m) eqn:Hb; [|reflexivity].
    rewrite forall_bindings_spec in Hb. rewrite (Hb k v Hl) in Hp. discriminate.
Qed.

Lemma exists_binding_spec :
  forall p m,
    exists_binding p m = true <-> (exists k v, lookup m k = Some v /\ p k v = true).
Proof.
  intros p m. unfold exists_binding. rewrite negb_true_iff, forall_bindings_false.
  split; intros (k & v & Hl & Hp); exists k, v; split; auto.
  - now apply negb_false_iff.
  - now apply negb_false_iff.
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

Lemma least_keys_some :
  forall p m k,
    least_keys p m = Some k ->
    (exists v, lookup m k = Some v /\ p k v = true) /\
    (forall k' v', lookup m k' = Some v' -> p k' v' = true -> k <= k').
Proof.
  intros p m k H. destruct (least_fold_some p m (keys m) k H) as [Hex Hmin].
  split; auto. intros k' v' Hl Hp. eapply Hmin; eauto. eapply lookup_in_keys; eauto.
Qed.

Lemma least_keys_none :
  forall p m,
    least_keys p m = None -> forall k v, lookup m k = Some v -> p k v = false.
Proof.
  intros p m H k v Hl. eapply least_fold_none; eauto. eapply lookup_in_keys; eauto.
Qed.

Lemma keep_least_spec :
  forall acc k k'',
    keep_least acc k = Some k'' ->
    (k'' = k \/ acc = Some k'') /\ k'' <= k /\ (forall k', acc = Some k' -> k'' <= k').
Proof.
  intros [k'|] k k'' H; simpl in H.
  - destruct (Nat.leb k' k) eqn:E; injection H as <-.
    + apply Nat.leb_le in E. split; auto. split; auto. intros ? [= <-]. auto.
    + apply Nat.leb_gt in E. split; auto. split; auto. intros ? [= <-].
      now apply Nat.lt_le_incl.
  - injection H as <-. split; auto. split; auto. discriminate.
Qed.

Lemma least_entry_none :
  forall p m acc,
    least_entry p m acc = None ->
    acc = None /\ forall k v, In (k, v) m -> p k v = false.
Proof.
  intros p m. induction m as [|[j w] t IH]; intros acc H; simpl in H.
  - split; [exact H | intros _ _ []].
  - destruct (p j w) eqn:Hp.
    + apply IH in H as [H _]. destruct acc; simpl in H; [destruct (Nat.leb _ _)|]; discriminate.
    + apply IH in H as [-> H]. split; auto.
      intros k v [[= <- <-]|Hin]; eauto.
Qed.

Lemma least_entry_some :
  forall p m acc k,
    least_entry p m acc = Some k ->
    (acc = Some k \/ exists v, In (k, v) m /\ p k v = true) /\
    (forall k', acc = Some k' -> k <= k') /\
    (forall k' v', In (k', v') m -> p k' v' = true -> k <= k').
Proof.
  intros p m. induction m as [|[j w] t IH]; intros acc k H; simpl in H.
  - subst acc. split; [now left|]. split; [intros ? [= <-]; auto | intros _ _ []].
  - destruct (p j w) eqn:Hp.
    + destruct (keep_least acc j) as [a|] eqn:Hk.
      2: { destruct acc; simpl in Hk; [destruct (Nat.leb _ _)|]; discriminate. }
      apply keep_least_spec in Hk as (Ha & Haj & Hacc).
      destruct (IH _ _ H) as (Hex & Hle & Hmin). specialize (Hle a eq_refl).
      split; [|split].
      * destruct Hex as [[= ->]|(v & Hin & Hv)]; [|right; exists v; simpl; auto].
        destruct Ha as [->|Ha]; [right; exists w; simpl; auto | now left].
      * intros k' Hk'. eapply Nat.le_trans; eauto.
      * intros k' v' [[= <- <-]|Hin] Hp'; [eapply Nat.le_trans; eauto | eauto].
    + destruct (IH _ _ H) as (Hex & Hle & Hmin). split; [|split; auto].
      * destruct Hex as [Ha|(v & Hin & Hv)]; [now left | right; exists v; simpl; auto].
      * intros k' v' [[= <- <-]|Hin] Hp'; [congruence | eauto].
Qed.

Lemma least_key_some :
  forall p m k,
    least_key p m = Some k ->
    (exists v, lookup m k = Some v /\ p k v = true) /\
    (forall k' v', lookup m k' = Some v' -> p k' v' = true -> k <= k').
Proof.
  intros p m k. unfold least_key.
  destruct (least_entry p m None) as [k0|] eqn:He; [|discriminate].
  destruct (lookup m k0) as [v|] eqn:Hl; [|discriminate].
  destruct (p k0 v) eqn:Hp; [|apply least_keys_some].
  intros [= <-]. split; [eauto|].
  apply least_entry_some in He as (_ & _ & Hmin).
  intros k' v' Hl' Hp'. eapply Hmin; eauto using lookup_in.
Qed.

Lemma least_key_none :
  forall p m,
    least_key p m = None -> forall k v, lookup m k = Some v -> p k v = false.
Proof.
  intros p m. unfold least_key.
  destruct (least_entry p m None) as [k0|] eqn:He.
  - destruct (lookup m k0) as [v0|] eqn:Hl.
    + destruct (p k0 v0); [discriminate | apply least_keys_none].
    + apply least_entry_some in He as ([He|(v & Hin & _)] & _).
      * discriminate.
      * destruct (in_lookup m k0 v Hin) as [v' Hv']. congruence.
  - intros _ k v Hl. apply least_entry_none in He as [_ He]. eauto using lookup_in.
Qed.

End Maps.

Arguments map : clear implicits.
