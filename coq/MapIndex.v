(** Read-only indexes of the maps of [Maps.v], built once per decision so
    that lookups inside a traversal take logarithmic time
    (docs/design-maps.md).

    An index is a trie of arity 4: a key is routed by its base-4 digits
    ([route]), and each node holds a bucket, a small association list.  No
    proof depends on how keys are routed: two keys with the same route just
    share a bucket (none do, since [route] is injective, but nothing needs
    it), so every lemma follows from [lookup] on buckets.  Arity 4 halves
    the depth of a binary trie (about 9 nodes for 10^5 keys), so a lookup
    touches half as many nodes; a digit takes two divisions by two, which
    the extraction makes native. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps.
Import ListNotations.

(** [c0] to [c3]: the subtries for the digits 0 to 3; [b]: the bucket. *)
Inductive trie (V : Type) :=
| Leaf
| Node (c0 c1 c2 c3 : trie V) (b : map V).

Arguments Leaf {V}.
Arguments Node {V} c0 c1 c2 c3 b.

(** Whether [n] is odd. *)
Definition low_bit (n : nat) : bool := negb (Nat.eqb (Nat.div2 n + Nat.div2 n) n).

(** The base-4 digits of [k], least significant first, each as its two bits
    (low, high), up to the last nonzero one (so 0 has none).  [fuel] only
    bounds the recursion: [k] at least halves at each digit, so [route k]
    never runs out. *)
Fixpoint route_fuel (fuel k : nat) : list (bool * bool) :=
  match fuel with
  | O => []
  | S f =>
      if Nat.eqb k 0 then []
      else (low_bit k, low_bit (Nat.div2 k)) :: route_fuel f (Nat.div2 (Nat.div2 k))
  end.

Definition route (k : nat) : list (bool * bool) := route_fuel k k.

Lemma div2_le : forall n, Nat.div2 n <= n.
Proof. intros n. apply Nat.div2_decr. auto. Qed.

Lemma route_fuel_enough :
  forall f1 f2 k, k <= f1 -> k <= f2 -> route_fuel f1 k = route_fuel f2 k.
Proof.
  induction f1 as [|f1 IH]; intros f2 k H1 H2.
  - inversion H1. destruct f2; reflexivity.
  - destruct (Nat.eqb k 0) eqn:E.
    + apply Nat.eqb_eq in E. subst k. destruct f2; reflexivity.
    + destruct f2 as [|f2]; [inversion H2; subst k; discriminate|].
      simpl. rewrite E. f_equal. apply IH; eapply Nat.le_trans; try apply div2_le;
        apply Nat.div2_decr; assumption.
Qed.

Lemma route_step :
  forall k,
    route k =
    if Nat.eqb k 0 then []
    else (low_bit k, low_bit (Nat.div2 k)) :: route (Nat.div2 (Nat.div2 k)).
Proof.
  intros [|j]; [reflexivity|]. unfold route. cbn [route_fuel Nat.eqb]. f_equal.
  apply route_fuel_enough; [|reflexivity].
  eapply Nat.le_trans; [apply div2_le | apply Nat.div2_decr; auto].
Qed.

Section Trie.
Context {V : Type}.

(** The bucket and the subtries of a node (a leaf has none). *)
Definition here (t : trie V) : map V :=
  match t with Leaf => [] | Node _ _ _ _ b => b end.

Definition sub (t : trie V) (d : bool * bool) : trie V :=
  match t, d with
  | Leaf, _ => Leaf
  | Node c0 _ _ _ _, (false, false) => c0
  | Node _ c1 _ _ _, (true, false) => c1
  | Node _ _ c2 _ _, (false, true) => c2
  | Node _ _ _ c3 _, (true, true) => c3
  end.

Definition set_here (t : trie V) (b : map V) : trie V :=
  Node (sub t (false, false)) (sub t (true, false)) (sub t (false, true)) (sub t (true, true)) b.

Definition set_sub (t : trie V) (d : bool * bool) (c : trie V) : trie V :=
  let c0 := sub t (false, false) in let c1 := sub t (true, false) in
  let c2 := sub t (false, true) in let c3 := sub t (true, true) in
  match d with
  | (false, false) => Node c c1 c2 c3 (here t)
  | (true, false) => Node c0 c c2 c3 (here t)
  | (false, true) => Node c0 c1 c c3 (here t)
  | (true, true) => Node c0 c1 c2 c (here t)
  end.

Lemma sub_set_here : forall t b d, sub (set_here t b) d = sub t d.
Proof. intros t b [[] []]; reflexivity. Qed.

Lemma here_set_sub : forall t d c, here (set_sub t d c) = here t.
Proof. intros t [[] []] c; reflexivity. Qed.

Lemma sub_set_sub_eq : forall t d c, sub (set_sub t d c) d = c.
Proof. intros t [[] []] c; reflexivity. Qed.

Lemma sub_set_sub_neq : forall t d d' c, d <> d' -> sub (set_sub t d c) d' = sub t d'.
Proof. intros t [[] []] [[] []] c H; try reflexivity; congruence. Qed.

(** The bucket at the end of a route. *)
Fixpoint bucket (t : trie V) (p : list (bool * bool)) : map V :=
  match p with
  | [] => here t
  | d :: p' => bucket (sub t d) p'
  end.

(** Apply [f] to the bucket at the end of a route, growing the trie. *)
Fixpoint edit (f : map V -> map V) (t : trie V) (p : list (bool * bool)) : trie V :=
  match p with
  | [] => set_here t (f (here t))
  | d :: p' => set_sub t d (edit f (sub t d) p')
  end.

(** Lookup and insertion walk the trie one digit at a time (no route list);
    [tfind_bucket] and [tinsert_edit] say they follow [route]. *)
Fixpoint find_at (t : trie V) (j k : nat) : option V :=
  match t with
  | Leaf => None
  | Node c0 c1 c2 c3 b =>
      if Nat.eqb j 0 then lookup b k
      else
        let h := Nat.div2 j in
        let q := Nat.div2 h in
        if low_bit j then (if low_bit h then find_at c3 q k else find_at c1 q k)
        else (if low_bit h then find_at c2 q k else find_at c0 q k)
  end.

Fixpoint insert_at (t : trie V) (j k : nat) (v : V) : trie V :=
  match t with
  | Leaf => edit (fun b => (k, v) :: b) Leaf (route j)
  | Node c0 c1 c2 c3 b =>
      if Nat.eqb j 0 then Node c0 c1 c2 c3 ((k, v) :: b)
      else
        let h := Nat.div2 j in
        let q := Nat.div2 h in
        if low_bit j then
          (if low_bit h then Node c0 c1 c2 (insert_at c3 q k v) b
           else Node c0 (insert_at c1 q k v) c2 c3 b)
        else
          (if low_bit h then Node c0 c1 (insert_at c2 q k v) c3 b
           else Node (insert_at c0 q k v) c1 c2 c3 b)
  end.

Definition tfind (t : trie V) (k : nat) : option V := find_at t k k.

Definition tinsert (t : trie V) (k : nat) (v : V) : trie V := insert_at t k k v.

(** Insert the entries of [l] in order: a later entry overrides an earlier one. *)
Definition tinsert_all (l : map V) (t : trie V) : trie V :=
  fold_left (fun t e => tinsert t (fst e) (snd e)) l t.

(** The index of [m], inserted last entry first so that, as for [lookup],
    the first entry of a key wins. *)
Definition index (m : map V) : trie V := tinsert_all (rev' m) Leaf.

Lemma bucket_leaf : forall p, bucket Leaf p = [].
Proof. induction p as [|[[] []] p IH]; simpl; auto. Qed.

Lemma bucket_edit_eq : forall f t p, bucket (edit f t p) p = f (bucket t p).
Proof.
  intros f t p. revert t. induction p as [|d p IH]; intros t; cbn [bucket edit].
  - reflexivity.
  - rewrite sub_set_sub_eq. apply IH.
Qed.

Lemma bucket_edit_neq :
  forall f t p p', p <> p' -> bucket (edit f t p) p' = bucket t p'.
Proof.
  intros f t p. revert t. induction p as [|d p IH]; intros t p' Hne.
  - destruct p' as [|d' p']; [congruence|]. cbn [bucket edit]. now rewrite sub_set_here.
  - destruct p' as [|d' p']; cbn [bucket edit]; [apply here_set_sub|].
    destruct d as [a b], d' as [a' b'].
    destruct (Bool.bool_dec a a'), (Bool.bool_dec b b'); subst.
    + rewrite sub_set_sub_eq. apply IH. congruence.
    + rewrite sub_set_sub_neq by congruence. reflexivity.
    + rewrite sub_set_sub_neq by congruence. reflexivity.
    + rewrite sub_set_sub_neq by congruence. reflexivity.
Qed.

Lemma tfind_leaf : forall k, tfind Leaf k = None.
Proof. reflexivity. Qed.

Lemma tfind_bucket : forall t k, tfind t k = lookup (bucket t (route k)) k.
Proof.
  intros t k. unfold tfind. generalize k at 1 3. intros j. revert j.
  induction t as [|c0 IH0 c1 IH1 c2 IH2 c3 IH3 b]; intros j; [now rewrite bucket_leaf|].
  simpl find_at. rewrite route_step. destruct (Nat.eqb j 0); [reflexivity|].
  destruct (low_bit j), (low_bit (Nat.div2 j)); simpl; auto.
Qed.

Lemma tinsert_edit :
  forall t k v, tinsert t k v = edit (fun b => (k, v) :: b) t (route k).
Proof.
  intros t k v. unfold tinsert. generalize k at 1 4. intros j. revert j.
  induction t as [|c0 IH0 c1 IH1 c2 IH2 c3 IH3 b]; intros j; [reflexivity|].
  simpl insert_at. rewrite route_step. destruct (Nat.eqb j 0); [reflexivity|].
  destruct (low_bit j), (low_bit (Nat.div2 j)); simpl; rewrite ?IH0, ?IH1, ?IH2, ?IH3; auto.
Qed.

Lemma digit_eq_dec : forall d d' : bool * bool, {d = d'} + {d <> d'}.
Proof. decide equality; apply Bool.bool_dec. Defined.

Lemma tfind_tinsert :
  forall t k v k', tfind (tinsert t k v) k' = if Nat.eqb k k' then Some v else tfind t k'.
Proof.
  intros t k v k'. rewrite !tfind_bucket, tinsert_edit.
  destruct (list_eq_dec digit_eq_dec (route k) (route k')) as [E|E].
  - rewrite <- E, bucket_edit_eq. simpl. rewrite Nat.eqb_sym. reflexivity.
  - rewrite bucket_edit_neq by exact E.
    destruct (Nat.eqb k k') eqn:Hk; [|reflexivity].
    apply Nat.eqb_eq in Hk. subst. congruence.
Qed.

Lemma lookup_app :
  forall (l1 l2 : map V) k,
    lookup (l1 ++ l2) k = match lookup l1 k with Some v => Some v | None => lookup l2 k end.
Proof.
  induction l1 as [|[j w] t IH]; intros l2 k; simpl; auto.
  destruct (Nat.eqb k j); auto.
Qed.

Lemma tfind_tinsert_all :
  forall l t k,
    tfind (tinsert_all l t) k =
    match lookup (rev l) k with Some v => Some v | None => tfind t k end.
Proof.
  unfold tinsert_all. induction l as [|[j w] l IH]; intros t k; simpl; auto.
  rewrite IH, lookup_app, tfind_tinsert. simpl. rewrite Nat.eqb_sym.
  destruct (lookup (rev l) k); auto. destruct (Nat.eqb k j); auto.
Qed.

Lemma tfind_index : forall m k, tfind (index m) k = lookup m k.
Proof.
  intros m k. unfold index, rev'. rewrite <- rev_alt, tfind_tinsert_all, rev_involutive.
  destruct (lookup m k); reflexivity.
Qed.

End Trie.

Section Bindings.
Context {V : Type}.

(** The entries of [m] whose key is not in [seen] and not repeated earlier,
    onto [acc]: one pass, the keys met kept in a trie. *)
Fixpoint dedup (seen : trie unit) (m : map V) (acc : map V) : map V :=
  match m with
  | [] => acc
  | (k, v) :: t =>
      match tfind seen k with
      | Some _ => dedup seen t acc
      | None => dedup (tinsert seen k tt) t ((k, v) :: acc)
      end
  end.

(** Each binding of [m] once (in no particular order). *)
Definition bindings (m : map V) : map V := dedup Leaf m [].

Lemma in_dedup :
  forall m seen acc k v,
    In (k, v) (dedup seen m acc) <->
    In (k, v) acc \/ (tfind seen k = None /\ lookup m k = Some v).
Proof.
  induction m as [|[j w] t IH]; intros seen acc k v; simpl.
  - split; [auto|]. intros [H|[_ H]]; [exact H | discriminate].
  - destruct (tfind seen j) as [u|] eqn:Hs.
    + rewrite IH. destruct (Nat.eqb k j) eqn:E; [|tauto].
      apply Nat.eqb_eq in E. subst j. rewrite Hs.
      split; intros [H|[H _]]; auto; discriminate.
    + rewrite IH, tfind_tinsert. simpl. rewrite Nat.eqb_sym.
      destruct (Nat.eqb k j) eqn:E.
      * apply Nat.eqb_eq in E. subst j. rewrite Hs.
        split; [intros [[[= <-]|H]|[H _]]|intros [H|[_ [= <-]]]]; auto; discriminate.
      * split; [intros [[[= -> _]|H]|H]|intros [H|H]]; auto.
        rewrite Nat.eqb_refl in E. discriminate.
Qed.

Lemma in_bindings : forall m k v, In (k, v) (bindings m) <-> lookup m k = Some v.
Proof.
  intros m k v. unfold bindings. rewrite in_dedup. simpl. tauto.
Qed.

End Bindings.

(** The inverse of a map of naturals: from each value to a key bound to it. *)
Definition inverse (m : map nat) : trie nat :=
  tinsert_all (List.map (fun e => (snd e, fst e)) (bindings m)) Leaf.

Lemma tfind_inverse_some :
  forall m v k, tfind (inverse m) v = Some k -> lookup m k = Some v.
Proof.
  intros m v k. unfold inverse. rewrite tfind_tinsert_all.
  destruct (lookup _ v) as [k'|] eqn:Hl; [intros [= <-] | discriminate].
  apply lookup_in, in_rev, in_map_iff in Hl as ([k1 v1] & [= <- <-] & Hin).
  now apply in_bindings.
Qed.

Lemma tfind_inverse_none :
  forall m v, tfind (inverse m) v = None -> forall k, lookup m k <> Some v.
Proof.
  intros m v H k Hl. unfold inverse in H. rewrite tfind_tinsert_all in H.
  apply in_bindings in Hl.
  assert (Hin : In (v, k) (rev (List.map (fun e => (snd e, fst e)) (bindings m)))).
  { apply in_rev. rewrite rev_involutive. apply in_map_iff. now exists (k, v). }
  destruct (in_lookup _ _ _ Hin) as [k' Hk']. rewrite Hk' in H. discriminate.
Qed.
