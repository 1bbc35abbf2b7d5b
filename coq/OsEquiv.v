(** Guest [o]'s view of a state and the equivalence [os_equiv ctx o s1 s2]
    (MODEL.md section 6).

    A guest observes physical addresses, never machine ones.  Its view is
    the set of guests, its own [os_info], whether it is active (and then the
    activity and mode), and for each [pa] in [dom(hyp[o])] the owner and the
    content of the page at [hyp[o][pa]], where a page table is read through
    [hyp[o]] backwards: accessible [va] is sent to the [pa'] with
    [hyp[o][pa'] = m[va]].  Everything is stated pointwise through lookups.
    The memory part only depends on [o]'s physical map, passed as the option
    [lookup (hyp s) o], so rewriting that lookup is all a proof needs. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model.
Import ListNotations.

(** * Physical maps seen as options *)

Definition phys_of (pm : option (map madd)) (pa : padd) : option madd :=
  match pm with
  | Some m => lookup m pa
  | None => None
  end.

(** Entry [va |-> pa] of the physical rewriting of page table [m]. *)
Definition pt_entry (pm : option (map madd)) (m : map madd) (va : vadd) (pa : padd)
  : Prop :=
  exists ma, lookup m va = Some ma /\ phys_of pm pa = Some ma.

Section View.
Variable ctx : context.

(** Contents look alike once page tables are read in physical terms. *)
Definition content_equiv (pm1 pm2 : option (map madd)) (c1 c2 : page_content) : Prop :=
  match c1, c2 with
  | RW v1, RW v2 => v1 = v2
  | Other, Other => True
  | PT m1, PT m2 =>
      forall va pa, accessible ctx va = true ->
        (pt_entry pm1 m1 va pa <-> pt_entry pm2 m2 va pa)
  | _, _ => False
  end.

Definition page_equiv (pm1 pm2 : option (map madd)) (p1 p2 : option page) : Prop :=
  match p1, p2 with
  | Some pg1, Some pg2 =>
      owner pg1 = owner pg2 /\ content_equiv pm1 pm2 (content pg1) (content pg2)
  | None, None => True
  | _, _ => False
  end.

(** The same physical addresses are in use, holding pages that look alike. *)
Definition memory_equiv (pm1 : option (map madd)) (mem1 : map page)
    (pm2 : option (map madd)) (mem2 : map page) : Prop :=
  forall pa,
    match phys_of pm1 pa, phys_of pm2 pa with
    | Some ma1, Some ma2 => page_equiv pm1 pm2 (lookup mem1 ma1) (lookup mem2 ma2)
    | None, None => True
    | _, _ => False
    end.

Definition control_equiv (o : os_ident) (s1 s2 : state) : Prop :=
  (forall o', in_dom (oss s1) o' = in_dom (oss s2) o') /\
  lookup (oss s1) o = lookup (oss s2) o /\
  (active_os s1 = o <-> active_os s2 = o) /\
  (active_os s1 = o -> activity s1 = activity s2 /\ exec_mode s1 = exec_mode s2).

Definition os_equiv (o : os_ident) (s1 s2 : state) : Prop :=
  control_equiv o s1 s2 /\
  memory_equiv (lookup (hyp s1) o) (mem s1) (lookup (hyp s2) o) (mem s2).

(** * Equivalence *)

Lemma content_equiv_refl : forall pm c, content_equiv pm pm c c.
Proof. intros pm [v|m|]; simpl; tauto. Qed.

Lemma content_equiv_sym :
  forall pm1 pm2 c1 c2, content_equiv pm1 pm2 c1 c2 -> content_equiv pm2 pm1 c2 c1.
Proof.
  intros pm1 pm2 [v1|m1|] [v2|m2|]; simpl; auto.
  intros H va pa Hacc. symmetry. auto.
Qed.

Lemma content_equiv_trans :
  forall pm1 pm2 pm3 c1 c2 c3,
    content_equiv pm1 pm2 c1 c2 -> content_equiv pm2 pm3 c2 c3 ->
    content_equiv pm1 pm3 c1 c3.
Proof.
  intros pm1 pm2 pm3 [v1|m1|] [v2|m2|] [v3|m3|]; simpl; try tauto; try congruence.
  intros H12 H23 va pa Hacc. rewrite (H12 va pa Hacc). auto.
Qed.

Lemma page_equiv_refl : forall pm p, page_equiv pm pm p p.
Proof. intros pm [pg|]; simpl; auto using content_equiv_refl. Qed.

Lemma page_equiv_sym :
  forall pm1 pm2 p1 p2, page_equiv pm1 pm2 p1 p2 -> page_equiv pm2 pm1 p2 p1.
Proof.
  intros pm1 pm2 [pg1|] [pg2|]; simpl; auto.
  intros [Ho Hc]. auto using content_equiv_sym.
Qed.

Lemma page_equiv_trans :
  forall pm1 pm2 pm3 p1 p2 p3,
    page_equiv pm1 pm2 p1 p2 -> page_equiv pm2 pm3 p2 p3 -> page_equiv pm1 pm3 p1 p3.
Proof.
  intros pm1 pm2 pm3 [pg1|] [pg2|] [pg3|]; simpl; try tauto.
  intros [Ho12 Hc12] [Ho23 Hc23]. split; [congruence|eauto using content_equiv_trans].
Qed.

Lemma memory_equiv_refl : forall pm mem0, memory_equiv pm mem0 pm mem0.
Proof.
  intros pm mem0 pa. destruct (phys_of pm pa); auto using page_equiv_refl.
Qed.

Lemma memory_equiv_sym :
  forall pm1 mem1 pm2 mem2,
    memory_equiv pm1 mem1 pm2 mem2 -> memory_equiv pm2 mem2 pm1 mem1.
Proof.
  intros pm1 mem1 pm2 mem2 H pa. specialize (H pa).
  destruct (phys_of pm1 pa), (phys_of pm2 pa); auto using page_equiv_sym.
Qed.

Lemma memory_equiv_trans :
  forall pm1 mem1 pm2 mem2 pm3 mem3,
    memory_equiv pm1 mem1 pm2 mem2 -> memory_equiv pm2 mem2 pm3 mem3 ->
    memory_equiv pm1 mem1 pm3 mem3.
Proof.
  intros pm1 mem1 pm2 mem2 pm3 mem3 H12 H23 pa.
  specialize (H12 pa). specialize (H23 pa).
  destruct (phys_of pm1 pa), (phys_of pm2 pa), (phys_of pm3 pa);
    try contradiction; eauto using page_equiv_trans.
Qed.

Theorem os_equiv_refl : forall o s, os_equiv o s s.
Proof.
  intros o s. split; [|apply memory_equiv_refl].
  repeat split; auto.
Qed.

Theorem os_equiv_sym : forall o s1 s2, os_equiv o s1 s2 -> os_equiv o s2 s1.
Proof.
  intros o s1 s2 [[Hdom [Hinfo [Hact Hrun]]] Hmem].
  split; [|now apply memory_equiv_sym].
  split; [|split; [|split]].
  - intros o'. symmetry. apply Hdom.
  - auto.
  - tauto.
  - intros Ha. destruct (Hrun (proj2 Hact Ha)). split; congruence.
Qed.

Theorem os_equiv_trans :
  forall o s1 s2 s3, os_equiv o s1 s2 -> os_equiv o s2 s3 -> os_equiv o s1 s3.
Proof.
  intros o s1 s2 s3 [[Hdom12 [Hi12 [Ha12 Hr12]]] Hm12] [[Hdom23 [Hi23 [Ha23 Hr23]]] Hm23].
  split; [|eauto using memory_equiv_trans].
  split; [|split; [|split]].
  - intros o'. congruence.
  - congruence.
  - tauto.
  - intros Ha. destruct (Hr12 Ha). destruct (Hr23 (proj1 Ha12 Ha)). split; congruence.
Qed.

(** * Frame lemmas: what a step may change without [o] noticing *)

(** Two memories agree on every page in the range of [pm]. *)
Definition agree_on_range (pm : option (map madd)) (mem1 mem2 : map page) : Prop :=
  forall pa ma, phys_of pm pa = Some ma -> lookup mem1 ma = lookup mem2 ma.

Lemma memory_equiv_agree :
  forall pm mem1 mem2, agree_on_range pm mem1 mem2 -> memory_equiv pm mem1 pm mem2.
Proof.
  intros pm mem1 mem2 Hag pa. destruct (phys_of pm pa) as [ma|] eqn:Hp; auto.
  rewrite (Hag pa ma Hp). apply page_equiv_refl.
Qed.

Lemma os_equiv_frame :
  forall o s s',
    control_equiv o s s' ->
    lookup (hyp s) o = lookup (hyp s') o ->
    agree_on_range (lookup (hyp s) o) (mem s) (mem s') ->
    os_equiv o s s'.
Proof.
  intros o s s' Hc Hh Hag. split; auto.
  rewrite <- Hh. now apply memory_equiv_agree.
Qed.

(** Page tables read the same through [pm] and [pm']. *)
Definition pt_stable (pm pm' : option (map madd)) (p : option page) : Prop :=
  match p with
  | Some (mk_page (PT m) _) =>
      forall va pa, accessible ctx va = true -> (pt_entry pm m va pa <-> pt_entry pm' m va pa)
  | _ => True
  end.

Lemma page_equiv_rebase :
  forall pm1 pm2 pm1' pm2' p1 p2,
    page_equiv pm1 pm2 p1 p2 -> pt_stable pm1 pm1' p1 -> pt_stable pm2 pm2' p2 ->
    page_equiv pm1' pm2' p1 p2.
Proof.
  intros pm1 pm2 pm1' pm2' [[c1 ow1]|] [[c2 ow2]|]; simpl; auto.
  intros [Ho Hc] H1 H2. split; auto.
  destruct c1 as [v1|m1|], c2 as [v2|m2|]; simpl in *; auto.
  intros va pa Hacc. rewrite <- (H1 va pa Hacc), <- (H2 va pa Hacc). auto.
Qed.

(** One physical address [pa0] of [o] changes (its page, or whether it is in
    use); every other address keeps its machine page, the page's content,
    and the way its page table reads. *)
Definition unchanged_except (pa0 : padd) (pm pm' : option (map madd)) (mem0 mem0' : map page)
  : Prop :=
  forall pa, pa <> pa0 ->
    phys_of pm' pa = phys_of pm pa /\
    forall ma, phys_of pm pa = Some ma ->
      lookup mem0' ma = lookup mem0 ma /\ pt_stable pm pm' (lookup mem0 ma).

Lemma memory_equiv_change :
  forall pa0 pm1 mem1 pm2 mem2 pm1' mem1' pm2' mem2',
    memory_equiv pm1 mem1 pm2 mem2 ->
    unchanged_except pa0 pm1 pm1' mem1 mem1' ->
    unchanged_except pa0 pm2 pm2' mem2 mem2' ->
    match phys_of pm1' pa0, phys_of pm2' pa0 with
    | Some ma1, Some ma2 => page_equiv pm1' pm2' (lookup mem1' ma1) (lookup mem2' ma2)
    | None, None => True
    | _, _ => False
    end ->
    memory_equiv pm1' mem1' pm2' mem2'.
Proof.
  intros pa0 pm1 mem1 pm2 mem2 pm1' mem1' pm2' mem2' H H1 H2 H0 pa.
  destruct (Nat.eq_dec pa pa0) as [->|Hne]; auto.
  destruct (H1 pa Hne) as [Hp1 Hm1], (H2 pa Hne) as [Hp2 Hm2].
  specialize (H pa). rewrite Hp1, Hp2.
  destruct (phys_of pm1 pa) as [ma1|] eqn:E1, (phys_of pm2 pa) as [ma2|] eqn:E2; auto.
  destruct (Hm1 ma1 eq_refl) as [-> Hs1], (Hm2 ma2 eq_refl) as [-> Hs2].
  eauto using page_equiv_rebase.
Qed.

End View.
