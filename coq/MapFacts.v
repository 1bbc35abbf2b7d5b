(** General facts about the finite maps of [Maps.v], shared by all proofs.
    Append-only: add new lemmas at the end, never change existing ones. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps.

Section MapFacts.
Context {V : Type}.

(** Updating a key only adds it to the domain. *)
Lemma in_dom_update :
  forall (m : map V) k v k',
    in_dom (update m k v) k' = if Nat.eqb k k' then true else in_dom m k'.
Proof.
  intros m k v k'. unfold in_dom. rewrite lookup_update.
  destruct (Nat.eqb k k'); reflexivity.
Qed.

(** Updating a key already present keeps the domain. *)
Lemma in_dom_update_present :
  forall (m : map V) k v v' k',
    lookup m k = Some v -> in_dom (update m k v') k' = in_dom m k'.
Proof.
  intros m k v v' k' Hk. rewrite in_dom_update.
  destruct (Nat.eqb k k') eqn:E; auto.
  apply Nat.eqb_eq in E; subst. unfold in_dom. now rewrite Hk.
Qed.

(** Mapping the values maps the lookups. *)
Lemma lookup_map_values :
  forall {W : Type} (f : V -> W) (m : map V) k,
    lookup (map_values f m) k = option_map f (lookup m k).
Proof.
  intros W f m. induction m as [|l IHl o r IHr]; intros k; [reflexivity|].
  destruct (node_key_cases k) as [->|[(d & ->)|(d & ->)]]; cbn [map_values].
  - reflexivity.
  - rewrite !lookup_left. apply IHl.
  - rewrite !lookup_right. apply IHr.
Qed.

End MapFacts.
