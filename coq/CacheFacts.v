(** Facts about the cache variant's building blocks: the key lists of the
    bounded FIFO maps (what a guest's cache view is made of), and what a
    successful base step says that [cstep] relies on. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model Actions Errors Step CacheModel.
Import ListNotations.

Lemma in_dom_keys : forall {V : Type} (m : alist V) k, ain_dom m k = true <-> In k (akeys m).
Proof.
  intros V m k. rewrite ain_dom_lookup. induction m as [|[j w] t IH]; simpl.
  - split; [intros [v H]; discriminate|contradiction].
  - destruct (Nat.eqb k j) eqn:E.
    + apply Nat.eqb_eq in E. subst. split; eauto.
    + apply Nat.eqb_neq in E. rewrite IH. split; [tauto|].
      intros [->|H]; [congruence|exact H].
Qed.

Section Keys.
Context {V : Type}.

(** Membership is decided by the key list alone. *)
Lemma in_dom_same_keys :
  forall (m1 : alist V) (m2 : alist V) k, akeys m1 = akeys m2 -> ain_dom m1 k = ain_dom m2 k.
Proof.
  intros m1 m2 k Hk. destruct (ain_dom m1 k) eqn:E1, (ain_dom m2 k) eqn:E2; auto.
  - apply in_dom_keys in E1. rewrite Hk in E1. apply in_dom_keys in E1. congruence.
  - apply in_dom_keys in E2. rewrite <- Hk in E2. apply in_dom_keys in E2. congruence.
Qed.

(** [aupdate] replaces in place or appends. *)
Lemma keys_update :
  forall (m : alist V) k v,
    akeys (aupdate m k v) = if ain_dom m k then akeys m else akeys m ++ [k].
Proof.
  induction m as [|[j w] t IH]; intros k v; simpl; [reflexivity|].
  unfold ain_dom in *. simpl. destruct (Nat.eqb k j) eqn:E; simpl.
  - apply Nat.eqb_eq in E. now subst.
  - rewrite IH. unfold ain_dom. destruct (alookup t k); reflexivity.
Qed.

Lemma keys_remove :
  forall (m : alist V) k, akeys (aremove m k) = filter (fun j => negb (Nat.eqb k j)) (akeys m).
Proof.
  induction m as [|[j w] t IH]; intros k; simpl; auto.
  destruct (Nat.eqb k j); simpl; now rewrite IH.
Qed.

Lemma keys_filter :
  forall (p : nat -> bool) (m : alist V),
    akeys (filter (fun e => p (fst e)) m) = filter p (akeys m).
Proof.
  intros p. induction m as [|[j w] t IH]; simpl; auto.
  destruct (p j); simpl; now rewrite IH.
Qed.

Lemma shorter_than_keys :
  forall (m : alist V) (m' : alist V) n, akeys m = akeys m' -> shorter_than m n = shorter_than m' n.
Proof.
  induction m as [|[j w] t IH]; intros [|[j' w'] t'] n Hk; simpl in Hk;
    try discriminate; destruct n; simpl; auto.
  injection Hk as _ Hk. eauto.
Qed.

Lemma shorter_than_length :
  forall (l : list (nat * V)) n, shorter_than l n = true <-> length l < n.
Proof.
  induction l as [|x t IH]; intros [|n]; simpl.
  - split; [discriminate|intros H; inversion H].
  - split; auto using Nat.lt_0_succ.
  - split; [discriminate|intros H; inversion H].
  - rewrite IH. split; [apply -> Nat.succ_lt_mono|apply Nat.succ_lt_mono].
Qed.

(** The akeys after a bounded insert depend only on the akeys before. *)
Lemma keys_bounded_insert_same :
  forall n (m1 : alist V) (m2 : alist V) k v1 v2,
    akeys m1 = akeys m2 -> akeys (bounded_insert n m1 k v1) = akeys (bounded_insert n m2 k v2).
Proof.
  intros n m1 m2 k v1 v2 Hk. unfold bounded_insert.
  rewrite (in_dom_same_keys m1 m2 k Hk), (shorter_than_keys m1 m2 n Hk).
  destruct (ain_dom m2 k) eqn:Ed; [rewrite !keys_update, (in_dom_same_keys m1 m2 k Hk), Hk; auto|].
  destruct (shorter_than m2 n).
  - rewrite !keys_update, (in_dom_same_keys m1 m2 k Hk), Hk. reflexivity.
  - destruct m1 as [|[j1 w1] t1], m2 as [|[j2 w2] t2]; simpl in Hk; try discriminate; auto.
    injection Hk as <- Ht. rewrite !keys_update, (in_dom_same_keys t1 t2 k Ht), Ht. reflexivity.
Qed.

(** A bounded insert only adds its own binding. *)
Lemma lookup_bounded_insert :
  forall n (m : alist V) k v k' v',
    NoDup (akeys m) -> alookup (bounded_insert n m k v) k' = Some v' ->
    (k' = k /\ v' = v) \/ (k' <> k /\ alookup m k' = Some v').
Proof.
  intros n m k v k' v' Hnd H. unfold bounded_insert in H.
  assert (Hupd : forall m0, alookup (aupdate m0 k v) k' = Some v' ->
            (k' = k /\ v' = v) \/ (k' <> k /\ alookup m0 k' = Some v')).
  { intros m0 H0. rewrite alookup_update in H0. destruct (Nat.eqb k k') eqn:E.
    - apply Nat.eqb_eq in E. injection H0 as <-. auto.
    - apply Nat.eqb_neq in E. auto. }
  destruct (ain_dom m k); [auto|]. destruct (shorter_than m n); [auto|].
  destruct m as [|[j w] t]; [discriminate|].
  destruct (Hupd t H) as [Hn|[Hne Hl]]; [auto|right]. split; auto. simpl.
  destruct (Nat.eqb k' j) eqn:E; auto.
  apply Nat.eqb_eq in E. subst. inversion Hnd; subst.
  exfalso. apply H2. eapply alookup_in_keys; eauto.
Qed.

Lemma nodup_keys_update :
  forall (m : alist V) k v, NoDup (akeys m) -> NoDup (akeys (aupdate m k v)).
Proof.
  intros m k v Hnd. rewrite keys_update. destruct (ain_dom m k) eqn:E; auto.
  assert (Hnot : ~ In k (akeys m)) by (rewrite <- in_dom_keys; congruence).
  clear E. induction (akeys m) as [|x l IH]; simpl; [constructor; auto; constructor|].
  inversion Hnd; subst. constructor.
  - rewrite in_app_iff. simpl in Hnot |- *. intros [H|[H|[]]]; [contradiction|subst; tauto].
  - simpl in Hnot. auto.
Qed.

Lemma nodup_keys_bounded_insert :
  forall n (m : alist V) k v, NoDup (akeys m) -> NoDup (akeys (bounded_insert n m k v)).
Proof.
  intros n m k v Hnd. unfold bounded_insert.
  destruct (ain_dom m k); [auto using nodup_keys_update|].
  destruct (shorter_than m n); [auto using nodup_keys_update|].
  destruct m as [|[j w] t]; simpl; [constructor|].
  inversion Hnd; subst. auto using nodup_keys_update.
Qed.

Lemma length_update :
  forall (m : alist V) k v, length (aupdate m k v) = if ain_dom m k then length m else S (length m).
Proof.
  intros m k v. rewrite <- !(map_length fst). fold (akeys (aupdate m k v)) (akeys m).
  rewrite keys_update. destruct (ain_dom m k); auto.
  rewrite app_length. simpl. now rewrite Nat.add_1_r.
Qed.

Lemma length_bounded_insert :
  forall n (m : alist V) k v, length m <= n -> length (bounded_insert n m k v) <= n.
Proof.
  intros n m k v Hle. unfold bounded_insert.
  destruct (ain_dom m k) eqn:Ed; [rewrite length_update, Ed; auto|].
  destruct (shorter_than m n) eqn:Es.
  - rewrite length_update, Ed. now apply shorter_than_length.
  - destruct m as [|[j w] t]; simpl; [apply Nat.le_0_l|].
    rewrite length_update. destruct (ain_dom t k); simpl in Hle; [|exact Hle].
    now apply Nat.lt_le_incl.
Qed.

Lemma nodup_keys_remove :
  forall (m : alist V) k, NoDup (akeys m) -> NoDup (akeys (aremove m k)).
Proof. intros m k H. rewrite keys_remove. now apply NoDup_filter. Qed.

Lemma length_remove : forall (m : alist V) k, length (aremove m k) <= length m.
Proof.
  induction m as [|[j w] t IH]; intros k; simpl; auto.
  destruct (Nat.eqb k j); simpl; [apply le_S|apply le_n_S]; auto.
Qed.

Lemma nodup_keys_filter :
  forall (p : nat * V -> bool) (m : alist V), NoDup (akeys m) -> NoDup (akeys (filter p m)).
Proof.
  intros p. induction m as [|[j w] t IH]; intros Hnd; simpl; auto.
  inversion Hnd; subst. destruct (p (j, w)); simpl; auto.
  constructor; auto. intros Hin. apply H1. unfold akeys in *.
  apply in_map_iff in Hin. destruct Hin as [[j' w'] [Hj Hin]]. simpl in Hj; subst.
  apply filter_In in Hin. apply in_map_iff. exists (j, w'). split; auto. apply Hin.
Qed.

Lemma length_filter_le :
  forall (p : nat * V -> bool) (m : alist V), length (filter p m) <= length m.
Proof.
  intros p. induction m as [|x t IH]; simpl; auto.
  destruct (p x); simpl; [apply le_n_S|apply le_S]; auto.
Qed.

End Keys.

(** * What a successful base step tells [cstep] *)

Section StepFacts.
Variable ctx : context.
Variable s : state.

(** Only [Switch] changes the active guest. *)
Lemma effect_active_os :
  forall a, (forall o, a <> Switch o) -> active_os (effect ctx s a) = active_os s.
Proof.
  intros a Hns. unfold effect, table_edit, write_effect, pin_effect.
  destruct a; try (exfalso; eapply Hns; reflexivity);
    repeat match goal with
    | |- context [match ?x with _ => _ end] => destruct x
    end; reflexivity.
Qed.

Lemma step_active_os :
  forall a, (forall o, a <> Switch o) -> active_os (result_state (step ctx s a)) = active_os s.
Proof.
  intros a Hns. unfold step. destruct (pre_error ctx s a); simpl; auto using effect_active_os.
Qed.

(** A successful guest access goes through the active guest's table to an
    RW page. *)
Lemma access_check_ok :
  forall va,
    access_check ctx s Running true No_access_va_os va = None ->
    activity s = Running /\ accessible ctx va = true /\
    exists ma v ow, maps_to s (active_os s) va = Some ma /\
                    lookup (mem s) ma = Some (mk_page (RW v) ow).
Proof.
  intros va H. unfold access_check in H.
  destruct (activity s) eqn:Ha; simpl in H; [|discriminate].
  destruct (accessible ctx va) eqn:Hacc; simpl in H; [|discriminate].
  destruct (maps_to s (active_os s) va) as [ma|]; [|discriminate].
  destruct (lookup (mem s) ma) as [[[v|m|] ow]|] eqn:Hl; try discriminate.
  repeat split; auto. eauto.
Qed.

Lemma step_ok_pre_error :
  forall a, response (step ctx s a) = Ok -> pre_error ctx s a = None.
Proof. intros a. unfold step. destruct (pre_error ctx s a); simpl; congruence. Qed.

Lemma step_ok_state :
  forall a, response (step ctx s a) = Ok -> result_state (step ctx s a) = effect ctx s a.
Proof. intros a H. unfold step in *. destruct (pre_error ctx s a); simpl in *; congruence. Qed.

End StepFacts.
