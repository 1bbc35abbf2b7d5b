(** Transparency (CSF 2012): a guest cannot tell whether other guests run
    beside it.  [erase o s] removes every other guest's memory:
    - [o]'s physical map and pages, the hypervisor's pages and free pages
      are kept;
    - each other guest [o'] keeps only its identity, its [os_info] and a
      single page, its current page table, now empty (held at its current
      physical address); all its other pages become free and scrubbed
      ([Other], [No_Owner]).
    Other guests stay in [oss] because the set of guests is part of [o]'s
    view ([Switch o'] succeeds exactly for known [o']); the active guest,
    activity and mode are kept too, so no hypothesis on who is active is
    needed: [erase_valid] holds for every valid state, and [erase_equiv]
    says [o] sees no difference.  [transparency] then follows from
    non-influence: the same successful [o]-actions from [s] and from
    [erase o s] keep [o]'s views equivalent at every synchronised point.
    As there, [Page_pin] may succeed in one run and fail in the other: the
    erased state has more free memory (the resource channel of
    UnwindingResponse.v), which is why only successful [o]-actions are
    synchronised.  [cache_transparency] states the same for [cstep]: the
    erased cache state keeps the caches when [o] is active and empties them
    otherwise (they hold another guest's addresses). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model Valid Semantics OsEquiv IsolationFacts UnwindingLocal.
From VirtualCert Require Import NonInfluence CacheModel CacheView CacheIsolation.
Import ListNotations.

(** * The erasure *)

Section Erase.
Variable o : os_ident.
Variable s : state.

(** Another guest's physical map, reduced to its current page table. *)
Definition erase_pm (o' : os_ident) (pm : map madd) : map madd :=
  match lookup (oss s) o' with
  | Some info =>
      match lookup pm (curr_page info) with
      | Some ma => singleton (curr_page info) ma
      | None => Leaf
      end
  | None => Leaf
  end.

Definition is_cpt (o' : os_ident) (ma : madd) : bool :=
  match cpt s o' with Some p => Nat.eqb p ma | None => false end.

Definition erase_page (ma : madd) (pg : page) : page :=
  match owner pg with
  | Os o' =>
      if Nat.eqb o' o then pg
      else if is_cpt o' ma then mk_page (PT Leaf) (Os o') else mk_page Other No_Owner
  | _ => pg
  end.

Definition erase : state :=
  mk_state (active_os s) (exec_mode s) (activity s) (oss s)
    (mapi (fun o' pm => if Nat.eqb o' o then pm else erase_pm o' pm) (hyp s))
    (mapi erase_page (mem s)).

End Erase.

Section EraseFacts.
Variable ctx : context.
Variable o : os_ident.
Variable s : state.
Hypothesis Hv : valid_state ctx s.

Lemma lookup_erase_hyp :
  forall x, lookup (hyp (erase o s)) x =
            option_map (fun pm => if Nat.eqb x o then pm else erase_pm s x pm) (lookup (hyp s) x).
Proof.
  intros x. apply (lookup_mapi (fun k pm => if Nat.eqb k o then pm else erase_pm s k pm)).
Qed.

Lemma lookup_erase_mem :
  forall ma, lookup (mem (erase o s)) ma = option_map (erase_page o s ma) (lookup (mem s) ma).
Proof. intros ma. apply (lookup_mapi (erase_page o s)). Qed.

Lemma lookup_erase_hyp_self : lookup (hyp (erase o s)) o = lookup (hyp s) o.
Proof.
  rewrite lookup_erase_hyp, Nat.eqb_refl. now destruct (lookup (hyp s) o).
Qed.

(** Pages of [o], of the hypervisor and free pages are kept. *)
Lemma owned_by_erase_kept :
  forall ma ow, owned_by s ma ow -> (forall o', ow = Os o' -> o' = o) ->
    lookup (mem (erase o s)) ma = lookup (mem s) ma.
Proof.
  intros ma ow [pg [Hl Ho]] Hk. rewrite lookup_erase_mem, Hl. simpl. f_equal.
  unfold erase_page. destruct (owner pg) as [|o'|] eqn:E; auto.
  rewrite (Hk o' (eq_sym Ho)), Nat.eqb_refl. reflexivity.
Qed.

(** What an erased page can be. *)
Lemma erase_page_cases :
  forall ma pg,
    (erase_page o s ma pg = pg /\ forall o', owner pg = Os o' -> o' = o) \/
    (exists o', o' <> o /\ owner pg = Os o' /\
       (erase_page o s ma pg = mk_page (PT Leaf) (Os o') /\ cpt s o' = Some ma \/
        erase_page o s ma pg = mk_page Other No_Owner)).
Proof.
  intros ma pg. unfold erase_page. destruct (owner pg) as [|o'|] eqn:E.
  - left. split; auto. discriminate.
  - destruct (Nat.eqb o' o) eqn:Eo.
    + left. apply Nat.eqb_eq in Eo. split; auto. intros x [= <-]. exact Eo.
    + right. apply Nat.eqb_neq in Eo. exists o'. split; [exact Eo|split; [reflexivity|]].
      unfold is_cpt. destruct (cpt s o') as [p|] eqn:Hc; auto.
      destruct (Nat.eqb p ma) eqn:Ep; auto. apply Nat.eqb_eq in Ep. subst. auto.
  - left. split; auto. discriminate.
Qed.

(** An erased page table of another guest is empty. *)
Lemma erase_pt_page :
  forall ma m x,
    lookup (mem (erase o s)) ma = Some (mk_page (PT m) (Os x)) ->
    (x = o /\ lookup (mem s) ma = Some (mk_page (PT m) (Os x))) \/ m = Leaf.
Proof.
  intros ma m x H. rewrite lookup_erase_mem in H.
  destruct (lookup (mem s) ma) as [pg|] eqn:Hl; [|discriminate]. simpl in H. injection H as H.
  destruct (erase_page_cases ma pg) as [[Hk Ho]|[o' [Hne [Ho [[He _]|He]]]]].
  - rewrite Hk in H. left. subst pg. split; auto.
  - rewrite He in H. right. now injection H.
  - rewrite He in H. discriminate.
Qed.

Theorem erase_equiv : os_equiv ctx o s (erase o s).
Proof.
  apply os_equiv_frame.
  - apply control_equiv_same; reflexivity.
  - symmetry. apply lookup_erase_hyp_self.
  - intros pa ma Hp. symmetry. apply (owned_by_erase_kept ma (Os o)).
    + exact (valid_phys_owned ctx s Hv o pa ma Hp).
    + now intros o' [= ->].
Qed.

Theorem erase_valid : valid_state ctx (erase o s).
Proof.
  pose proof Hv as (H1 & H2 & H3 & H4 & [H5a H5b] & H6 & [H7a [H7b H7c]] & H8).
  (* another guest's reduced map holds its current page table only *)
  assert (Hpm : forall x pm pa ma, x <> o -> lookup (hyp s) x = Some pm ->
            lookup (erase_pm s x pm) pa = Some ma ->
            exists info, lookup (oss s) x = Some info /\ pa = curr_page info /\
                         lookup pm pa = Some ma /\ cpt s x = Some ma).
  { intros x pm pa ma Hne Hh H. unfold erase_pm in H.
    destruct (lookup (oss s) x) as [info|] eqn:Hi; [|discriminate].
    destruct (lookup pm (curr_page info)) as [ma0|] eqn:Hc; [|discriminate].
    rewrite lookup_singleton in H. destruct (Nat.eqb (curr_page info) pa) eqn:E; [|discriminate].
    apply Nat.eqb_eq in E. injection H as <-. subst pa. exists info. repeat split; auto.
    unfold cpt. now rewrite Hi, Hh. }
  (* that page table becomes an empty table of its guest *)
  assert (Hcpt : forall x ma, x <> o -> cpt s x = Some ma ->
            lookup (mem (erase o s)) ma = Some (mk_page (PT Leaf) (Os x))).
  { intros x ma Hne Hc. rewrite cpt_phys in Hc.
    destruct (lookup (oss s) x) as [info|] eqn:Hi; [|discriminate].
    destruct (valid_current_page ctx s Hv x info Hi) as [ma' [m [Hp Hl]]].
    rewrite Hp in Hc. injection Hc as <-.
    rewrite lookup_erase_mem, Hl. simpl. unfold erase_page. simpl.
    apply Nat.eqb_neq in Hne. rewrite Hne. unfold is_cpt. rewrite cpt_phys, Hi, Hp.
    now rewrite Nat.eqb_refl. }
  split; [exact H1|split; [exact H2|split; [exact H3|split; [exact H4|]]]].
  split; [split|split; [|split; [split; [|split]|]]].
  - (* 5: physical maps name pages of their guest *)
    intros x pm' pa ma Hh Hpa. rewrite lookup_erase_hyp in Hh.
    destruct (lookup (hyp s) x) as [pm|] eqn:Hx; [|discriminate]. simpl in Hh. injection Hh as <-.
    destruct (Nat.eqb x o) eqn:E.
    + apply Nat.eqb_eq in E. subst x.
      pose proof (H5a o pm pa ma Hx Hpa) as Hown.
      destruct Hown as [pg [Hl Ho]]. exists pg. split; auto.
      rewrite (owned_by_erase_kept ma (Os o)); [exact Hl| |now intros o' [= ->]].
      exists pg. auto.
    + apply Nat.eqb_neq in E. destruct (Hpm x pm pa ma E Hx Hpa) as [info [_ [_ [_ Hc]]]].
      eexists. split; [exact (Hcpt x ma E Hc)|reflexivity].
  - intros x pm' pa1 pa2 ma Hh H1' H2'. rewrite lookup_erase_hyp in Hh.
    destruct (lookup (hyp s) x) as [pm|] eqn:Hx; [|discriminate]. simpl in Hh. injection Hh as <-.
    destruct (Nat.eqb x o) eqn:E; [eauto|].
    apply Nat.eqb_neq in E.
    destruct (Hpm x pm pa1 ma E Hx H1') as [i1 [Hi1 [-> _]]].
    destruct (Hpm x pm pa2 ma E Hx H2') as [i2 [Hi2 [-> _]]]. congruence.
  - (* 6: page tables reach pages of their guest or of the hypervisor *)
    intros ma m x va ma' Hl Hm.
    destruct (erase_pt_page ma m x Hl) as [[-> Hl0]| ->]; [|discriminate].
    pose proof (H6 ma m o va ma' Hl0 Hm) as Hown.
    destruct Hown as [pg [Hpg Ho]]. exists pg. split; auto.
    rewrite (owned_by_erase_kept ma' (if accessible ctx va then Os o else Hyp)); auto.
    + exists pg. auto.
    + destruct (accessible ctx va); [now intros o' [= ->]|discriminate].
  - (* 7: every guest keeps a current page table of its own *)
    intros x info Hi. change (lookup (oss s) x = Some info) in Hi.
    destruct (H7a x info Hi) as [pm [ma [m [Hh [Hc Hl]]]]].
    destruct (Nat.eqb x o) eqn:E.
    + apply Nat.eqb_eq in E. subst x. exists pm, ma, m.
      rewrite lookup_erase_hyp_self. repeat split; auto.
      rewrite (owned_by_erase_kept ma (Os o)); auto.
      * exists (mk_page (PT m) (Os o)). auto.
      * now intros o' [= ->].
    + apply Nat.eqb_neq in E. exists (singleton (curr_page info) ma), ma, Leaf.
      rewrite lookup_erase_hyp, Hh. simpl. apply Nat.eqb_neq in E as E'. rewrite E'.
      unfold erase_pm. rewrite Hi, Hc. rewrite lookup_singleton, Nat.eqb_refl. repeat split; auto.
      apply (Hcpt x ma E). unfold cpt. now rewrite Hi, Hh.
  - exact H7b.
  - intros x pm Hh. rewrite lookup_erase_hyp in Hh.
    destruct (lookup (hyp s) x) as [pm0|] eqn:Hx; [|discriminate]. eauto.
  - (* 8: accessible mappings stay physical *)
    intros ma m x va ma' Hl Hm Hacc.
    destruct (erase_pt_page ma m x Hl) as [[-> Hl0]| ->]; [|discriminate].
    destruct (H8 ma m o va ma' Hl0 Hm Hacc) as [pm [pa [Hh Hpa]]].
    exists pm, pa. rewrite lookup_erase_hyp_self. auto.
Qed.

End EraseFacts.

(** * Transparency *)

Section Transparency.
Variable ctx : context.
Variable o : os_ident.

(** Any run from [s] and any run from [erase o s] that perform the same
    successful [o]-actions leave [o] in equivalent views. *)
Theorem transparency :
  forall s l l' acts,
    valid_state ctx s ->
    execution ctx s l -> execution ctx (erase o s) l' ->
    observed ctx o s l acts -> observed ctx o (erase o s) l' acts ->
    os_equiv ctx o (final s l) (final (erase o s) l').
Proof.
  intros s l l' acts Hv Hx Hx' Hobs Hobs'.
  eapply non_influence; eauto using erase_equiv.
Qed.

(** The same at every synchronised point: prefixes that observed the same
    [o]-actions. *)
Corollary transparency_prefixes :
  forall s l l' n n' acts,
    valid_state ctx s ->
    execution ctx s l -> execution ctx (erase o s) l' ->
    observed ctx o s (firstn n l) acts -> observed ctx o (erase o s) (firstn n' l') acts ->
    os_equiv ctx o (final s (firstn n l)) (final (erase o s) (firstn n' l')).
Proof.
  intros s l l' n n' acts Hv Hx Hx' Hobs Hobs'.
  eapply non_influence_prefixes; eauto using erase_equiv.
Qed.

(** With caches: the erased cache state keeps [o]'s caches when [o] is
    active; otherwise the caches hold another guest's addresses and are
    emptied. *)
Definition erase_c (cs : cstate) : cstate :=
  if Nat.eqb (active_os (hv cs)) o
  then mk_cstate (erase o (hv cs)) (cache cs) (tlb cs)
  else mk_cstate (erase o (hv cs)) [] [].

Lemma erase_c_equiv :
  forall cs, valid_state ctx (hv cs) -> os_cequiv ctx o cs (erase_c cs).
Proof.
  intros cs Hv. unfold erase_c, os_cequiv, cache_view.
  destruct (Nat.eqb (active_os (hv cs)) o) eqn:E; simpl; rewrite E;
    split; auto using erase_equiv.
Qed.

Lemma erase_c_inv :
  forall cs, cinv ctx cs -> cinv ctx (erase_c cs).
Proof.
  intros cs [Hv Hk]. unfold erase_c.
  destruct (Nat.eqb (active_os (hv cs)) o); split; simpl; auto using erase_valid.
  intros va [].
Qed.

Theorem cache_transparency :
  forall cfg, flush_on_switch cfg = true ->
  forall cs acts1 l1 acts2 l2,
    cinv ctx cs ->
    cobserved cfg ctx o cs acts1 l1 -> cobserved cfg ctx o (erase_c cs) acts2 l2 ->
    List.map fst l1 = List.map fst l2 ->
    l1 = l2 /\ os_cequiv ctx o (cfinal cfg ctx cs acts1) (cfinal cfg ctx (erase_c cs) acts2).
Proof.
  intros cfg Hfl cs acts1 l1 acts2 l2 Hi H1 H2 Hfst.
  eapply cache_non_influence; eauto using erase_c_inv.
  apply erase_c_equiv, Hi.
Qed.

End Transparency.
