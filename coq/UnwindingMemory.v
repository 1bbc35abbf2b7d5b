(** Memory-view lemmas for step consistency: how [pt_entry] and
    [memory_equiv] react to the edits the actions make (no validity here;
    the facts needed are hypotheses). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model OsEquiv.
Import ListNotations.

Definition injective (pm : option (map madd)) : Prop :=
  forall pa1 pa2 ma, phys_of pm pa1 = Some ma -> phys_of pm pa2 = Some ma -> pa1 = pa2.

(** * Page-table entries read physically *)

Lemma pt_entry_update_eq :
  forall pm m va x pa, pt_entry pm (update m va x) va pa <-> phys_of pm pa = Some x.
Proof.
  intros pm m va x pa. unfold pt_entry. rewrite lookup_update_eq. split.
  - intros [ma [[= <-] H]]. exact H.
  - eauto.
Qed.

Lemma pt_entry_remove_eq : forall pm m va pa, ~ pt_entry pm (remove m va) va pa.
Proof.
  intros pm m va pa [ma [H _]]. now rewrite lookup_remove_eq in H.
Qed.

Lemma pt_entry_empty : forall pm va pa, ~ pt_entry pm Leaf va pa.
Proof. intros pm va pa [ma [H _]]. discriminate. Qed.

(** With an injective [pm], the entry [va |-> x] reads as the unique
    [pa0] with [pm[pa0] = x]. *)
Lemma pt_entry_update_injective :
  forall pm m va x pa0 pa,
    injective pm -> phys_of pm pa0 = Some x ->
    (pt_entry pm (update m va x) va pa <-> pa = pa0).
Proof.
  intros pm m va x pa0 pa Hinj H0. rewrite pt_entry_update_eq. split.
  - intros H. eapply Hinj; eauto.
  - now intros ->.
Qed.

(** A page table reads the same through two physical maps that agree on
    the machine pages it maps. *)
Lemma pt_entry_same_preimages :
  forall pm pm' m va,
    (forall pa x, lookup m va = Some x -> (phys_of pm pa = Some x <-> phys_of pm' pa = Some x)) ->
    forall pa, pt_entry pm m va pa <-> pt_entry pm' m va pa.
Proof.
  intros pm pm' m va H pa. unfold pt_entry. split; intros [x [Hm Hp]]; exists x;
    split; auto; apply (H pa x Hm); auto.
Qed.

(** * Memory views after the same edit on both sides *)

Lemma pt_stable_refl : forall ctx pm p, pt_stable ctx pm pm p.
Proof. intros ctx pm [[[v|m|] ow]|]; simpl; tauto. Qed.

(** Both sides replace the page at the same physical address [pa0]. *)
Lemma memory_equiv_update_at :
  forall ctx pm1 mem1 pm2 mem2 pa0 ma1 ma2 pg1 pg2,
    memory_equiv ctx pm1 mem1 pm2 mem2 -> injective pm1 -> injective pm2 ->
    phys_of pm1 pa0 = Some ma1 -> phys_of pm2 pa0 = Some ma2 ->
    page_equiv ctx pm1 pm2 (Some pg1) (Some pg2) ->
    memory_equiv ctx pm1 (update mem1 ma1 pg1) pm2 (update mem2 ma2 pg2).
Proof.
  intros ctx pm1 mem1 pm2 mem2 pa0 ma1 ma2 pg1 pg2 H Hi1 Hi2 H1 H2 Hpg.
  assert (Hkeep : forall pm mem0 ma pg, injective pm -> phys_of pm pa0 = Some ma ->
            unchanged_except ctx pa0 pm pm mem0 (update mem0 ma pg)).
  { intros pm mem0 ma pg Hi Hp pa Hne. split; auto. intros ma' Hp'.
    split; [|apply pt_stable_refl]. apply lookup_update_neq.
    intros <-. apply Hne. eapply Hi; eauto. }
  apply (memory_equiv_change ctx pa0 pm1 mem1 pm2 mem2); auto.
  rewrite H1, H2, !lookup_update_eq. exact Hpg.
Qed.
