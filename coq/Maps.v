(** Finite partial maps keyed by natural numbers, as binary tries.

    A key is routed by its binary digits: key 0 is the root's value, and key
    [S j] lives in the right subtrie under [Nat.div2 j] when [j] is odd, in
    the left one when [j] is even.  [lookup], [update] and [remove] walk one
    path (logarithmic in the key); the quantifiers, [bindings] and
    [least_key] take one traversal.  [remove] prunes emptied nodes, so every
    map built by [update], [remove] and [of_list] is canonical: two such maps
    with the same lookups are the same term.  Maps are compared through
    [lookup] ([meq]).  The cache and TLB, whose order matters, use [AList.v]
    (docs/design-maps.md). *)

From Coq Require Import List Arith Bool Lia.
From VirtualCert Require Import AList.
Import ListNotations.

Inductive map (V : Type) : Type :=
| Leaf : map V
| Node : map V -> option V -> map V -> map V.

Arguments Leaf {V}.
Arguments Node {V} _ _ _.

(** Whether [n] is odd ([Nat.odd n]); the extraction makes [Nat.even] one
    native operation (extract/TRUSTED.md). *)
Definition low_bit (n : nat) : bool := negb (Nat.even n).

(** Every [j] is twice its half, plus its low bit. *)
Lemma low_bit_cases :
  forall j, (low_bit j = false /\ j = Nat.div2 j + Nat.div2 j) \/
            (low_bit j = true /\ j = S (Nat.div2 j + Nat.div2 j)).
Proof.
  intros j. unfold low_bit. pose proof (Nat.div2_odd j) as H. unfold Nat.odd in H.
  destruct (Nat.even j); simpl in H; [left|right]; split; [reflexivity|lia|reflexivity|lia].
Qed.

Lemma low_bit_double : forall d, low_bit (d + d) = false /\ Nat.div2 (d + d) = d.
Proof.
  intros d. destruct (low_bit_cases (d + d)) as [[H E]|[H E]]; [split; [exact H|lia]|].
  exfalso. lia.
Qed.

Lemma low_bit_double1 : forall d, low_bit (S (d + d)) = true /\ Nat.div2 (S (d + d)) = d.
Proof.
  intros d. destruct (low_bit_cases (S (d + d))) as [[H E]|[H E]]; [exfalso; lia|].
  split; [exact H|lia].
Qed.

(** Two keys with the same low bit are equal when their halves are. *)
Lemma route_eqb :
  forall j j', low_bit j = low_bit j' -> Nat.eqb (Nat.div2 j) (Nat.div2 j') = Nat.eqb j j'.
Proof.
  intros j j' Hb.
  destruct (low_bit_cases j) as [[H E]|[H E]], (low_bit_cases j') as [[H' E']|[H' E']];
    try congruence;
    destruct (Nat.eqb_spec (Nat.div2 j) (Nat.div2 j')), (Nat.eqb_spec j j');
    try reflexivity; exfalso; lia.
Qed.

Lemma route_neqb : forall j j', low_bit j <> low_bit j' -> Nat.eqb j j' = false.
Proof. intros j j' Hb. apply Nat.eqb_neq. intros ->. auto. Qed.

Section Maps.
Context {V : Type}.

(** The routing at a node tests the key against 0 and takes its predecessor
    rather than matching it as [O] or [S j]: the extraction realises each
    test by one native operation, where a match on a [nat] would build two
    closures at every node (docs/design-maps.md, "Cost").  The unfolding
    lemmas ([lookup_Node_0], [lookup_Node_S], ...) give back the match. *)
Fixpoint lookup (m : map V) (k : nat) : option V :=
  match m with
  | Leaf => None
  | Node l o r =>
      if Nat.eqb k 0 then o
      else
        let j := Nat.pred k in
        if low_bit j then lookup r (Nat.div2 j) else lookup l (Nat.div2 j)
  end.

(** A node, or a leaf when it would hold nothing: keeps maps canonical. *)
Definition node (l : map V) (o : option V) (r : map V) : map V :=
  match l, o, r with
  | Leaf, None, Leaf => Leaf
  | _, _, _ => Node l o r
  end.

(** A key other than 0 routes to a smaller key: [single] recurses on it. *)
Lemma route_lt : forall k, Nat.eqb k 0 = false -> Nat.div2 (Nat.pred k) < k.
Proof.
  intros [|j] H; [discriminate|]. cbn [Nat.pred].
  pose proof (Nat.div2_decr j j (Nat.le_succ_diag_r j)). lia.
Qed.

(** The map binding only [k].  It recurses on the proof that [k] is
    accessible, which the extraction erases: the extracted code recurses on
    the key alone, where a fuel (a [nat] to match) would build two closures
    at every level. *)
Fixpoint single (k : nat) (v : V) (H : Acc lt k) {struct H} : map V :=
  match Nat.eqb k 0 as b return Nat.eqb k 0 = b -> map V with
  | true => fun _ => Node Leaf (Some v) Leaf
  | false => fun E =>
      let j := Nat.pred k in
      let t := single (Nat.div2 j) v (Acc_inv H (route_lt k E)) in
      if low_bit j then Node Leaf None t else Node t None Leaf
  end eq_refl.

Definition singleton (k : nat) (v : V) : map V := single k v (lt_wf k).

Fixpoint update (m : map V) (k : nat) (v : V) : map V :=
  match m with
  | Leaf => singleton k v
  | Node l o r =>
      if Nat.eqb k 0 then Node l (Some v) r
      else
        let j := Nat.pred k in
        if low_bit j then Node l o (update r (Nat.div2 j) v)
        else Node (update l (Nat.div2 j) v) o r
  end.

Fixpoint remove (m : map V) (k : nat) : map V :=
  match m with
  | Leaf => Leaf
  | Node l o r =>
      if Nat.eqb k 0 then node l None r
      else
        let j := Nat.pred k in
        if low_bit j then node l o (remove r (Nat.div2 j))
        else node (remove l (Nat.div2 j)) o r
  end.

(** The keys of a subtrie, seen from its root: the left subtrie's [j] is the
    node's [S (j + j)], the right one's [S (S (j + j))].  [fold_from] carries
    the function [f] from a subtrie's keys to the whole map's: it specifies
    the traversals, which compute keys with [fold_at]. *)
Definition left_key (f : nat -> nat) (j : nat) : nat := f (S (j + j)).
Definition right_key (f : nat -> nat) (j : nat) : nat := f (S (S (j + j))).

(** [g] applied to each binding in turn (a node, then its left subtrie, then
    its right one), keys through [f]. *)
Fixpoint fold_from {A : Type} (g : nat -> V -> A -> A) (f : nat -> nat) (m : map V) (acc : A)
  : A :=
  match m with
  | Leaf => acc
  | Node l o r =>
      let acc' := match o with Some v => g (f 0) v acc | None => acc end in
      fold_from g (right_key f) r (fold_from g (left_key f) l acc')
  end.

(** The same fold for a subtrie whose key [d] is the map's [c + d * (h + h)]:
    one addition per node.  [h + h] is computed only at a node with children,
    and a child's key only for a child that is there, so every number built
    is at most a key of the map (extract/TRUSTED.md). *)
Fixpoint fold_at {A : Type} (g : nat -> V -> A -> A) (h c : nat) (m : map V) (acc : A) : A :=
  match m with
  | Leaf => acc
  | Node l o r =>
      let acc' := match o with Some v => g c v acc | None => acc end in
      let s := h + h in
      let acc'' := match l with Leaf => acc' | _ => fold_at g s (c + s) l acc' end in
      match r with Leaf => acc'' | _ => fold_at g s (c + s + s) r acc'' end
  end.

(** [g] applied to each binding: one traversal. *)
Definition fold {A : Type} (g : nat -> V -> A -> A) (m : map V) (acc : A) : A :=
  match m with
  | Leaf => acc
  | Node l o r =>
      let acc' := match o with Some v => g 0 v acc | None => acc end in
      let acc'' := match l with Leaf => acc' | _ => fold_at g 1 1 l acc' end in
      match r with Leaf => acc'' | _ => fold_at g 1 2 r acc'' end
  end.

Definition cons_binding (k : nat) (v : V) (l : list (nat * V)) : list (nat * V) := (k, v) :: l.

(** Each binding once, in no particular order (the codecs sort by key). *)
Definition bindings (m : map V) : list (nat * V) := fold cons_binding m [].

Definition keys (m : map V) : list nat := List.map fst (bindings m).

Definition in_dom (m : map V) (k : nat) : bool :=
  match lookup m k with Some _ => true | None => false end.

(** Extensional equality of maps. *)
Definition meq (m1 m2 : map V) : Prop := forall k, lookup m1 k = lookup m2 k.

(** Every binding satisfies [p]: one traversal ([p] is not called again once
    a binding fails it). *)
Definition forall_bindings (p : nat -> V -> bool) (m : map V) : bool :=
  fold (fun k v b => b && p k v) m true.

(** Some binding satisfies [p]. *)
Definition exists_binding (p : nat -> V -> bool) (m : map V) : bool :=
  negb (forall_bindings (fun k v => negb (p k v)) m).

(** The least of [acc] and [k]. *)
Definition keep_least (acc : option nat) (k : nat) : option nat :=
  match acc with
  | Some k' => if Nat.leb k' k then Some k' else Some k
  | None => Some k
  end.

(** Keep [k] if its binding satisfies [p] and it is less than [acc]. *)
Definition least_step (p : nat -> V -> bool) (k : nat) (v : V) (acc : option nat)
  : option nat :=
  if p k v then keep_least acc k else acc.

(** The least key whose binding satisfies [p]: one traversal. *)
Definition least_key (p : nat -> V -> bool) (m : map V) : option nat :=
  fold (least_step p) m None.

(** The map with the bindings of a list; the first entry of a key wins.  The
    test vectors write maps this way. *)
Definition of_list (l : list (nat * V)) : map V :=
  fold_right (fun e m => update m (fst e) (snd e)) Leaf l.

(** * Lemmas *)

Lemma lookup_leaf : forall k, lookup Leaf k = None.
Proof. reflexivity. Qed.

(** The routing unfolded, as a match on the key would read. *)
Lemma lookup_Node_0 : forall l o r, lookup (Node l o r) 0 = o.
Proof. reflexivity. Qed.

Lemma lookup_Node_S :
  forall l o r j,
    lookup (Node l o r) (S j) =
    if low_bit j then lookup r (Nat.div2 j) else lookup l (Nat.div2 j).
Proof. reflexivity. Qed.

Lemma update_Node_0 : forall l o r v, update (Node l o r) 0 v = Node l (Some v) r.
Proof. reflexivity. Qed.

Lemma update_Node_S :
  forall l o r j v,
    update (Node l o r) (S j) v =
    if low_bit j then Node l o (update r (Nat.div2 j) v)
    else Node (update l (Nat.div2 j) v) o r.
Proof. reflexivity. Qed.

Lemma remove_Node_0 : forall l o r, remove (Node l o r) 0 = node l None r.
Proof. reflexivity. Qed.

Lemma remove_Node_S :
  forall l o r j,
    remove (Node l o r) (S j) =
    if low_bit j then node l o (remove r (Nat.div2 j))
    else node (remove l (Nat.div2 j)) o r.
Proof. reflexivity. Qed.

(** A node with leaves for children holds its root's binding only. *)
Lemma lookup_Node_leaves :
  forall o k, lookup (Node Leaf o Leaf) k = if Nat.eqb 0 k then o else None.
Proof.
  intros o [|j]; [reflexivity|]. rewrite lookup_Node_S. now destruct (low_bit j).
Qed.

Lemma lookup_node : forall l o r k, lookup (node l o r) k = lookup (Node l o r) k.
Proof.
  intros l o r k. destruct l, o, r; try reflexivity.
  rewrite lookup_Node_leaves. now destruct (Nat.eqb 0 k).
Qed.

Lemma lookup_single :
  forall k v (H : Acc lt k) k',
    lookup (single k v H) k' = if Nat.eqb k k' then Some v else None.
Proof.
  intros k v. induction k as [k IH] using lt_wf_ind. intros [Hk] k'.
  destruct k as [|j]; [apply lookup_Node_leaves|]. cbn [single Nat.eqb Nat.pred Acc_inv].
  assert (Hd : Nat.div2 j < S j) by (apply (route_lt (S j)); reflexivity).
  destruct k' as [|j']; [destruct (low_bit j); reflexivity|]. cbn [Nat.eqb].
  destruct (low_bit j) eqn:Hj, (low_bit j') eqn:Hj'; rewrite lookup_Node_S, Hj';
    rewrite ?(IH _ Hd); try reflexivity;
    try (rewrite route_eqb by congruence; reflexivity);
    rewrite route_neqb by congruence; reflexivity.
Qed.

Lemma lookup_singleton :
  forall k v k', lookup (singleton k v) k' = if Nat.eqb k k' then Some v else None.
Proof. intros k v k'. apply lookup_single. Qed.

Lemma lookup_update :
  forall m k k' v,
    lookup (update m k v) k' = if Nat.eqb k k' then Some v else lookup m k'.
Proof.
  induction m as [|l IHl o r IHr]; intros k k' v.
  - apply lookup_singleton.
  - destruct k as [|j], k' as [|j'];
      rewrite ?update_Node_0, ?update_Node_S, ?lookup_Node_0, ?lookup_Node_S;
      cbn [Nat.eqb]; auto.
    + now destruct (low_bit j).
    + destruct (low_bit j) eqn:Hj, (low_bit j') eqn:Hj'; rewrite lookup_Node_S, Hj';
        rewrite ?IHl, ?IHr;
        try (rewrite route_eqb by congruence; reflexivity);
        rewrite route_neqb by congruence; reflexivity.
Qed.

Lemma lookup_update_eq : forall m k v, lookup (update m k v) k = Some v.
Proof. intros m k v. now rewrite lookup_update, Nat.eqb_refl. Qed.

Lemma lookup_update_neq :
  forall m k k' v, k <> k' -> lookup (update m k v) k' = lookup m k'.
Proof.
  intros m k k' v Hne. rewrite lookup_update. apply Nat.eqb_neq in Hne. now rewrite Hne.
Qed.

Lemma lookup_remove :
  forall m k k',
    lookup (remove m k) k' = if Nat.eqb k k' then None else lookup m k'.
Proof.
  induction m as [|l IHl o r IHr]; intros k k'.
  - simpl. now destruct (Nat.eqb k k').
  - destruct k as [|j], k' as [|j']; rewrite ?remove_Node_0, ?remove_Node_S.
    + now rewrite lookup_node.
    + now rewrite lookup_node, !lookup_Node_S.
    + destruct (low_bit j); rewrite lookup_node; reflexivity.
    + cbn [Nat.eqb].
      destruct (low_bit j) eqn:Hj, (low_bit j') eqn:Hj'; rewrite lookup_node, !lookup_Node_S, Hj';
        rewrite ?IHl, ?IHr;
        try (rewrite route_eqb by congruence; reflexivity);
        rewrite route_neqb by congruence; reflexivity.
Qed.

Lemma lookup_remove_eq : forall m k, lookup (remove m k) k = None.
Proof. intros m k. now rewrite lookup_remove, Nat.eqb_refl. Qed.

Lemma lookup_remove_neq :
  forall m k k', k <> k' -> lookup (remove m k) k' = lookup m k'.
Proof.
  intros m k k' Hne. rewrite lookup_remove. apply Nat.eqb_neq in Hne. now rewrite Hne.
Qed.

(** Lookups in a node, by the key's shape. *)
Lemma lookup_left : forall l o r d, lookup (Node l o r) (S (d + d)) = lookup l d.
Proof.
  intros l o r d. rewrite lookup_Node_S. destruct (low_bit_double d) as [-> ->]. reflexivity.
Qed.

Lemma lookup_right : forall l o r d, lookup (Node l o r) (S (S (d + d))) = lookup r d.
Proof.
  intros l o r d. rewrite lookup_Node_S. destruct (low_bit_double1 d) as [-> ->]. reflexivity.
Qed.

(** Every key of a node is its root, or comes from a subtrie. *)
Lemma node_key_cases :
  forall k, k = 0 \/ (exists d, k = S (d + d)) \/ (exists d, k = S (S (d + d))).
Proof.
  intros [|j]; auto. right.
  destruct (low_bit_cases j) as [[_ E]|[_ E]]; [left|right]; exists (Nat.div2 j); lia.
Qed.

(** ** Traversals: [fold] is [fold_from] with keys unchanged, and [fold_from]
    is a [fold_right] over the bindings it collects. *)

Lemma fold_from_ext :
  forall {A : Type} (g : nat -> V -> A -> A) m f1 f2 acc,
    (forall d, f1 d = f2 d) -> fold_from g f1 m acc = fold_from g f2 m acc.
Proof.
  intros A g. induction m as [|l IHl o r IHr]; intros f1 f2 acc H; [reflexivity|].
  cbn [fold_from]. rewrite (H 0).
  rewrite (IHl (left_key f1) (left_key f2)) by (intros d; unfold left_key; apply H).
  apply IHr. intros d. unfold right_key. apply H.
Qed.

Lemma fold_at_node :
  forall {A : Type} (g : nat -> V -> A -> A) h c l o r acc,
    fold_at g h c (Node l o r) acc =
    fold_at g (h + h) (c + (h + h) + (h + h)) r
      (fold_at g (h + h) (c + (h + h)) l (match o with Some v => g c v acc | None => acc end)).
Proof. intros A g h c l o r acc. destruct l, r; reflexivity. Qed.

Lemma fold_at_from :
  forall {A : Type} (g : nat -> V -> A -> A) m h c acc,
    fold_at g h c m acc = fold_from g (fun d => c + d * (h + h)) m acc.
Proof.
  intros A g. induction m as [|l IHl o r IHr]; intros h c acc; [reflexivity|].
  rewrite fold_at_node, IHl, IHr. cbn [fold_from]. rewrite Nat.mul_0_l, Nat.add_0_r.
  rewrite (fold_from_ext g l _ (left_key (fun d => c + d * (h + h))))
    by (intros d; unfold left_key; ring).
  apply fold_from_ext. intros d. unfold right_key. ring.
Qed.

Lemma fold_spec :
  forall {A : Type} (g : nat -> V -> A -> A) m acc, fold g m acc = fold_from g (fun d => d) m acc.
Proof.
  intros A g [|l o r] acc; [reflexivity|].
  transitivity
    (fold_at g 1 2 r (fold_at g 1 1 l (match o with Some v => g 0 v acc | None => acc end))).
  { destruct l, r; reflexivity. }
  rewrite !fold_at_from. cbn [fold_from].
  rewrite (fold_from_ext g l _ (left_key (fun d => d))) by (intros d; unfold left_key; ring).
  apply fold_from_ext. intros d. unfold right_key. ring.
Qed.

Lemma fold_from_cons_app :
  forall m f L1 L2, fold_from cons_binding f m (L1 ++ L2) = fold_from cons_binding f m L1 ++ L2.
Proof.
  induction m as [|l IHl o r IHr]; intros f L1 L2; [reflexivity|]. cbn [fold_from].
  replace (match o with Some v => cons_binding (f 0) v (L1 ++ L2) | None => L1 ++ L2 end)
    with (match o with Some v => cons_binding (f 0) v L1 | None => L1 end ++ L2)
    by (destruct o; reflexivity).
  now rewrite IHl, IHr.
Qed.

Lemma fold_from_cons :
  forall m f L, fold_from cons_binding f m L = fold_from cons_binding f m [] ++ L.
Proof. intros m f L. exact (fold_from_cons_app m f [] L). Qed.

Lemma fold_from_right :
  forall {A : Type} (g : nat -> V -> A -> A) m f acc,
    fold_from g f m acc =
    fold_right (fun e a => g (fst e) (snd e) a) acc (fold_from cons_binding f m []).
Proof.
  intros A g. induction m as [|l IHl o r IHr]; intros f acc; [reflexivity|]. cbn [fold_from].
  set (own := match o with Some v => cons_binding (f 0) v [] | None => [] end).
  rewrite (fold_from_cons r (right_key f) (fold_from cons_binding (left_key f) l own)),
    (fold_from_cons l (left_key f) own), !fold_right_app, IHr, IHl.
  destruct o as [v|]; reflexivity.
Qed.

Lemma in_fold_cons :
  forall m f k v,
    In (k, v) (fold_from cons_binding f m []) <-> exists k0, f k0 = k /\ lookup m k0 = Some v.
Proof.
  induction m as [|l IHl o r IHr]; intros f k v; cbn [fold_from].
  - split; [intros []|intros (k0 & _ & H); discriminate].
  - rewrite fold_from_cons, (fold_from_cons l), !in_app_iff, IHl, IHr.
    unfold left_key, right_key, cons_binding. split.
    + intros [(d & <- & H)|[(d & <- & H)|H]].
      * exists (S (S (d + d))). now rewrite lookup_right.
      * exists (S (d + d)). now rewrite lookup_left.
      * destruct o as [w|]; [|destruct H]. destruct H as [[= <- <-]|[]]. now exists 0.
    + intros (k0 & <- & H). destruct (node_key_cases k0) as [->|[(d & ->)|(d & ->)]].
      * right; right. simpl in H. subst o. now left.
      * right; left. rewrite lookup_left in H. eauto.
      * left. rewrite lookup_right in H. eauto.
Qed.

Lemma in_bindings : forall m k v, In (k, v) (bindings m) <-> lookup m k = Some v.
Proof.
  intros m k v. unfold bindings. rewrite fold_spec, in_fold_cons.
  split; [intros (k0 & <- & H); exact H|eauto].
Qed.

(** An entry [lookup] finds is in the bindings, and conversely. *)
Lemma lookup_in : forall m k v, lookup m k = Some v -> In (k, v) (bindings m).
Proof. intros m k v. apply in_bindings. Qed.

Lemma in_lookup : forall m k v, In (k, v) (bindings m) -> exists v', lookup m k = Some v'.
Proof. intros m k v H. apply in_bindings in H. eauto. Qed.

Lemma lookup_in_keys : forall m k v, lookup m k = Some v -> In k (keys m).
Proof.
  intros m k v H. unfold keys. apply in_map_iff. exists (k, v). split; auto.
  now apply lookup_in.
Qed.

Lemma in_dom_lookup :
  forall m k, in_dom m k = true <-> exists v, lookup m k = Some v.
Proof. intros m k. apply is_some_true. Qed.

(** A list fact, used by ValidRefl.v. *)
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

Lemma forall_bindings_list :
  forall p m, forall_bindings p m = forallb (fun e => p (fst e) (snd e)) (bindings m).
Proof.
  intros p m. unfold forall_bindings, bindings. rewrite !fold_spec.
  rewrite (fold_from_right (fun k v b => b && p k v)).
  induction (fold_from cons_binding (fun d => d) m []) as [|[k v] t IH]; [reflexivity|].
  simpl. rewrite IH. apply andb_comm.
Qed.

Lemma forall_bindings_spec :
  forall p m,
    forall_bindings p m = true <-> (forall k v, lookup m k = Some v -> p k v = true).
Proof.
  intros p m. rewrite forall_bindings_list, forallb_forall. split.
  - intros H k v Hl. apply (H (k, v)). now apply in_bindings.
  - intros H [k v] Hin. apply in_bindings in Hin. exact (H k v Hin).
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
  - rewrite forall_bindings_list. intros H. apply forallb_false in H as ([k v] & Hin & Hp).
    exists k, v. split; [now apply in_bindings|exact Hp].
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

Lemma least_step_eq :
  forall p k v acc, least_step p k v acc = if p k v then keep_least acc k else acc.
Proof. reflexivity. Qed.

Lemma least_key_list :
  forall p m,
    least_key p m = fold_right (fun e a => least_step p (fst e) (snd e) a) None (bindings m).
Proof. intros p m. unfold least_key, bindings. rewrite !fold_spec. apply fold_from_right. Qed.

Lemma least_list_none :
  forall p l,
    fold_right (fun e a => least_step p (fst e) (snd e) a) None l = None ->
    forall k v, In (k, v) l -> p k v = false.
Proof.
  intros p. induction l as [|[j w] t IH]; intros H k v Hin; [destruct Hin|].
  cbn [fold_right fst snd] in H. rewrite least_step_eq in H.
  destruct (fold_right (fun e a => least_step p (fst e) (snd e) a) None t) as [a|] eqn:Ha.
  - destruct (p j w); simpl in H; [destruct (Nat.leb a j)|]; discriminate.
  - destruct (p j w) eqn:Hp; [discriminate|].
    destruct Hin as [[= <- <-]|Hin]; [exact Hp|eauto].
Qed.

Lemma least_list_some :
  forall p l k,
    fold_right (fun e a => least_step p (fst e) (snd e) a) None l = Some k ->
    (exists v, In (k, v) l /\ p k v = true) /\
    (forall k' v', In (k', v') l -> p k' v' = true -> k <= k').
Proof.
  intros p. induction l as [|[j w] t IH]; intros k H; [discriminate|].
  cbn [fold_right fst snd] in H. rewrite least_step_eq in H.
  destruct (fold_right (fun e a => least_step p (fst e) (snd e) a) None t) as [a|] eqn:Ha.
  - destruct (IH a eq_refl) as [(va & Hina & Hpa) Hmin].
    destruct (p j w) eqn:Hp.
    + apply keep_least_spec in H as (Hk & Hkj & Hka). specialize (Hka a eq_refl).
      split.
      * destruct Hk as [->|[= ->]]; [exists w; simpl; auto|exists va; simpl; auto].
      * intros k' v' [[= <- <-]|Hin] Hp'; [exact Hkj|]. eapply Nat.le_trans; [exact Hka|eauto].
    + injection H as ->. split; [exists va; simpl; auto|].
      intros k' v' [[= <- <-]|Hin] Hp'; [congruence|eauto].
  - destruct (p j w) eqn:Hp; [|discriminate].
    simpl in H. injection H as <-. split; [exists w; simpl; auto|].
    intros k' v' [[= <- <-]|Hin] Hp'; [apply le_n|].
    rewrite (least_list_none p t Ha k' v' Hin) in Hp'. discriminate.
Qed.

Lemma least_key_some :
  forall p m k,
    least_key p m = Some k ->
    (exists v, lookup m k = Some v /\ p k v = true) /\
    (forall k' v', lookup m k' = Some v' -> p k' v' = true -> k <= k').
Proof.
  intros p m k H. rewrite least_key_list in H.
  apply least_list_some in H as [(v & Hin & Hv) Hmin].
  split; [exists v; split; [now apply in_bindings|exact Hv]|].
  intros k' v' Hl Hp. apply (Hmin k' v'); [now apply in_bindings|exact Hp].
Qed.

Lemma least_key_none :
  forall p m,
    least_key p m = None -> forall k v, lookup m k = Some v -> p k v = false.
Proof.
  intros p m H k v Hl. rewrite least_key_list in H.
  apply (least_list_none p _ H). now apply in_bindings.
Qed.

(** A map written as a list has that list's lookups. *)
Lemma lookup_of_list : forall l k, lookup (of_list l) k = alookup l k.
Proof.
  induction l as [|[j w] t IH]; intros k; simpl; [reflexivity|].
  rewrite lookup_update, IH, Nat.eqb_sym. reflexivity.
Qed.

End Maps.

(** Apply [f] to every binding, with its key. *)
Fixpoint mapi_from {V W : Type} (f : nat -> V -> W) (g : nat -> nat) (m : map V) : map W :=
  match m with
  | Leaf => Leaf
  | Node l o r =>
      Node (mapi_from f (left_key g) l) (option_map (f (g 0)) o)
           (mapi_from f (right_key g) r)
  end.

Definition mapi {V W : Type} (f : nat -> V -> W) (m : map V) : map W :=
  mapi_from f (fun k => k) m.

Lemma lookup_mapi_from :
  forall {V W : Type} (f : nat -> V -> W) m g k,
    lookup (mapi_from f g m) k = option_map (f (g k)) (lookup m k).
Proof.
  intros V W f. induction m as [|l IHl o r IHr]; intros g k; [reflexivity|].
  destruct (node_key_cases k) as [->|[(d & ->)|(d & ->)]]; cbn [mapi_from].
  - reflexivity.
  - rewrite !lookup_left, IHl. reflexivity.
  - rewrite !lookup_right, IHr. reflexivity.
Qed.

Lemma lookup_mapi :
  forall {V W : Type} (f : nat -> V -> W) m k,
    lookup (mapi f m) k = option_map (f k) (lookup m k).
Proof. intros V W f m k. apply lookup_mapi_from. Qed.

(** Apply [f] to every value (no keys: one visit per node). *)
Fixpoint map_values {V W : Type} (f : V -> W) (m : map V) : map W :=
  match m with
  | Leaf => Leaf
  | Node l o r => Node (map_values f l) (option_map f o) (map_values f r)
  end.
