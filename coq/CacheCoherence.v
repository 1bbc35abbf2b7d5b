(** Coherence of the caches with the base state (CSF 2012): every cached
    address is a guest address that the active guest's current table maps
    to a machine page whose content, an RW page, is the cached copy; every
    TLB entry is the table walk; keys are unique and sizes within bounds.

    [cstep] keeps coherence from valid states when the caches are flushed on
    [Switch] ([cstep_preserves_coherence]); without the flush the previous
    guest's entries survive the switch (CacheLeak.v has the run). *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps MapFacts Model Actions Errors Valid Pre Post Semantics Step.
From VirtualCert Require Import StepSound OsEquiv IsolationFacts UnwindingStep.
From VirtualCert Require Import CacheModel CacheStep CacheFacts CacheBase.
Import ListNotations.

Section Coherence.
Variable cfg : cache_config.
Variable ctx : context.

Definition cache_entries_coherent (cs : cstate) : Prop :=
  forall va pg, alookup (cache cs) va = Some pg ->
    accessible ctx va = true /\ is_rw (content pg) = true /\
    exists ma, maps_to (hv cs) (active_os (hv cs)) va = Some ma /\
               lookup (mem (hv cs)) ma = Some pg.

Definition tlb_entries_coherent (cs : cstate) : Prop :=
  forall va ma, alookup (tlb cs) va = Some ma -> maps_to (hv cs) (active_os (hv cs)) va = Some ma.

Definition cache_coherent (cs : cstate) : Prop :=
  cache_entries_coherent cs /\ tlb_entries_coherent cs /\
  NoDup (akeys (cache cs)) /\ NoDup (akeys (tlb cs)) /\
  length (cache cs) <= cache_size cfg /\ length (tlb cs) <= tlb_size cfg.

(** Empty caches are coherent with any state. *)
Lemma flush_coherent : forall cs s, cache_coherent (flush cs s).
Proof.
  intros cs s. repeat split; simpl; auto using Nat.le_0_l, NoDup_nil;
    intros; discriminate.
Qed.

(** What a guest reads from the cache is what memory holds. *)
Theorem cached_read_hits_memory :
  forall cs va,
    cache_coherent cs ->
    observation (cstep cfg ctx cs (Read va)) = Some Cache_hit ->
    exists ma pg,
      maps_to (hv cs) (active_os (hv cs)) va = Some ma /\
      alookup (cache cs) va = Some pg /\ lookup (mem (hv cs)) ma = Some pg.
Proof.
  intros cs va [Hc _] Hobs. unfold cstep in Hobs.
  destruct (response (step ctx (hv cs) (Read va))); simpl in Hobs; [|discriminate].
  unfold guest_access in Hobs.
  destruct (maps_to (hv cs) (active_os (hv cs)) va) as [ma|] eqn:Hm; simpl in Hobs;
    [|discriminate].
  unfold served_from in Hobs.
  destruct (ain_dom (cache cs) va) eqn:Hd; [|destruct (ain_dom (tlb cs) va); discriminate].
  apply ain_dom_lookup in Hd. destruct Hd as [pg Hpg].
  destruct (Hc va pg Hpg) as [_ [_ [ma' [Hm' Hl]]]]. rewrite Hm in Hm'. injection Hm' as <-.
  eauto.
Qed.


End Coherence.

(** * Preservation *)

(** [maps_to] reads the current page table only. *)
Lemma maps_to_frame :
  forall s s' o,
    cpt s' o = cpt s o -> (forall p, cpt s o = Some p -> lookup (mem s') p = lookup (mem s) p) ->
    forall va, maps_to s' o va = maps_to s o va.
Proof.
  intros s s' o Hc Hm va. unfold maps_to, current_table. rewrite Hc.
  destruct (cpt s o) as [p|]; auto. now rewrite (Hm p eq_refl).
Qed.

Lemma cpt_frame :
  forall s s' o,
    option_map curr_page (lookup (oss s') o) = option_map curr_page (lookup (oss s) o) ->
    (forall info, lookup (oss s) o = Some info ->
       phys_of (lookup (hyp s') o) (curr_page info) =
       phys_of (lookup (hyp s) o) (curr_page info)) ->
    cpt s' o = cpt s o.
Proof.
  intros s s' o Ho Hh. rewrite !cpt_phys.
  destruct (lookup (oss s) o) as [info|] eqn:E, (lookup (oss s') o) as [info'|];
    simpl in Ho; try discriminate; auto.
  injection Ho as Ho. rewrite Ho. auto.
Qed.

(** Serving a hypercall keeps every guest's current page. *)
Lemma serve_curr_page :
  forall ctx s o' o,
    option_map curr_page (lookup (serve ctx s o') o) = option_map curr_page (lookup (oss s) o).
Proof.
  intros ctx s o' o. unfold serve. destruct (lookup (oss s) o') as [info|] eqn:E; auto.
  rewrite lookup_update. destruct (Nat.eqb o' o) eqn:Eo; auto.
  apply Nat.eqb_eq in Eo. subst. now rewrite E.
Qed.

(** Writing an RW page never changes a page table. *)
Lemma maps_to_write_rw :
  forall s ma x ow pg o va,
    lookup (mem s) ma = Some (mk_page (RW x) ow) -> is_rw (content pg) = true ->
    maps_to (set_mem s (update (mem s) ma pg)) o va = maps_to s o va.
Proof.
  intros s ma x ow [c ow'] o va Hl Hrw. unfold maps_to, current_table. simpl.
  replace (cpt (set_mem s (update (mem s) ma (mk_page c ow'))) o) with (cpt s o) by reflexivity.
  destruct (cpt s o) as [p|]; auto. rewrite lookup_update.
  destruct (Nat.eqb ma p) eqn:E; auto. apply Nat.eqb_eq in E. subst. rewrite Hl.
  destruct c; simpl in Hrw; congruence.
Qed.

Lemma lookup_filter_in :
  forall {V} (p : nat * V -> bool) (m : alist V) k v,
    alookup (filter p m) k = Some v -> In (k, v) m /\ p (k, v) = true.
Proof.
  intros V p. induction m as [|[j w] t IH]; intros k v H; simpl in H; [discriminate|].
  destruct (p (j, w)) eqn:Hp; simpl in H.
  - destruct (Nat.eqb k j) eqn:E.
    + apply Nat.eqb_eq in E. injection H as <-. subst. simpl. auto.
    + destruct (IH k v H). simpl. auto.
  - destruct (IH k v H). simpl. auto.
Qed.

Lemma lookup_in_nodup :
  forall {V} (m : alist V) k v, NoDup (akeys m) -> In (k, v) m -> alookup m k = Some v.
Proof.
  intros V. induction m as [|[j w] t IH]; intros k v Hnd Hin; [destruct Hin|].
  inversion Hnd; subst. simpl. destruct Hin as [[= <- <-]|Hin].
  - now rewrite Nat.eqb_refl.
  - destruct (Nat.eqb k j) eqn:E; auto.
    apply Nat.eqb_eq in E. subst. exfalso. apply H1.
    apply in_map_iff. exists (j, v). auto.
Qed.

Section Preservation.
Variable cfg : cache_config.
Variable ctx : context.

(** The cached copies survive: every RW page reached through a guest
    address of the active guest keeps its content, except at [x]. *)
Definition mem_frame_except (x : option vadd) (s s' : state) : Prop :=
  forall va ma pg,
    x <> Some va -> accessible ctx va = true -> maps_to s (active_os s) va = Some ma ->
    lookup (mem s) ma = Some pg -> is_rw (content pg) = true -> lookup (mem s') ma = Some pg.

Lemma caches_frame_coherent :
  forall cs s' c t x,
    cache_coherent cfg ctx cs -> active_os s' = active_os (hv cs) ->
    (forall va, x <> Some va ->
       maps_to s' (active_os s') va = maps_to (hv cs) (active_os (hv cs)) va) ->
    mem_frame_except x (hv cs) s' ->
    (forall va pg, alookup c va = Some pg -> x <> Some va /\ alookup (cache cs) va = Some pg) ->
    (forall va ma, alookup t va = Some ma -> x <> Some va /\ alookup (tlb cs) va = Some ma) ->
    NoDup (akeys c) -> NoDup (akeys t) -> length c <= cache_size cfg -> length t <= tlb_size cfg ->
    cache_coherent cfg ctx (mk_cstate s' c t).
Proof.
  intros cs s' c t x [Hc [Ht _]] Ha Hm Hmem Hcs Hts Hn1 Hn2 Hl1 Hl2.
  split; [|split; [|repeat split; auto]].
  - intros va pg H. destruct (Hcs va pg H) as [Hx H'].
    destruct (Hc va pg H') as [Hacc [Hrw [ma [M L]]]].
    repeat split; auto. exists ma. simpl. rewrite (Hm va Hx). split; auto. eapply Hmem; eauto.
  - intros va ma H. destruct (Hts va ma H) as [Hx H']. simpl. rewrite (Hm va Hx). auto.
Qed.

Lemma keep_coherent :
  forall cs s',
    cache_coherent cfg ctx cs -> active_os s' = active_os (hv cs) ->
    (forall va, maps_to s' (active_os s') va = maps_to (hv cs) (active_os (hv cs)) va) ->
    mem_frame_except None (hv cs) s' ->
    cache_coherent cfg ctx (keep cs s').
Proof.
  intros cs s' H Ha Hm Hmem. pose proof H as (_ & _ & N1 & N2 & L1 & L2).
  apply (caches_frame_coherent cs s' _ _ None); auto; intros; split; auto; discriminate.
Qed.

Lemma invalidate_coherent :
  forall cs s' x,
    cache_coherent cfg ctx cs -> active_os s' = active_os (hv cs) ->
    (forall va, Some x <> Some va ->
       maps_to s' (active_os s') va = maps_to (hv cs) (active_os (hv cs)) va) ->
    mem_frame_except (Some x) (hv cs) s' ->
    cache_coherent cfg ctx (invalidate cs s' x).
Proof.
  intros cs s' x H Ha Hm Hmem. pose proof H as (_ & _ & N1 & N2 & L1 & L2).
  apply (caches_frame_coherent cs s' _ _ (Some x)); auto using nodup_keys_remove.
  - intros va pg Hl. rewrite alookup_remove in Hl.
    destruct (Nat.eqb x va) eqn:E; [discriminate|]. apply Nat.eqb_neq in E. split; congruence.
  - intros va ma Hl. rewrite alookup_remove in Hl.
    destruct (Nat.eqb x va) eqn:E; [discriminate|]. apply Nat.eqb_neq in E. split; congruence.
  - eapply Nat.le_trans; [apply length_remove|exact L1].
  - eapply Nat.le_trans; [apply length_remove|exact L2].
Qed.

(** A guest access: the base step keeps every mapping, and memory changes
    at most at the accessed page [ma] (only for a write), which then holds
    the RW page [pg']. *)
Lemma guest_access_coherent :
  forall cs s' va ma pg' w,
    cache_coherent cfg ctx cs -> accessible ctx va = true ->
    maps_to (hv cs) (active_os (hv cs)) va = Some ma ->
    active_os s' = active_os (hv cs) ->
    (forall va', maps_to s' (active_os s') va' = maps_to (hv cs) (active_os (hv cs)) va') ->
    lookup (mem s') ma = Some pg' -> is_rw (content pg') = true ->
    (forall ma', ma' <> ma -> lookup (mem s') ma' = lookup (mem (hv cs)) ma') ->
    (w = false -> lookup (mem s') ma = lookup (mem (hv cs)) ma) ->
    cache_coherent cfg ctx (cresult_state (guest_access cfg cs s' va w)).
Proof.
  intros cs s' va ma pg' w [Hc [Ht [N1 [N2 [L1 L2]]]]] Hacc M Ha Hm Lp Hrw Hother Hread.
  unfold guest_access. rewrite M. unfold fill. rewrite Lp. simpl.
  set (c' := bounded_insert (cache_size cfg) (cache cs) va pg').
  set (t' := if ain_dom (tlb cs) va then tlb cs else bounded_insert (tlb_size cfg) (tlb cs) va ma).
  assert (Nc' : NoDup (akeys c')) by apply nodup_keys_bounded_insert, N1.
  assert (Hc' : forall k p, alookup c' k = Some p ->
             accessible ctx k = true /\ is_rw (content p) = true /\
             exists ma', maps_to (hv cs) (active_os (hv cs)) k = Some ma' /\
                         (k = va \/ ma' <> ma \/ w = false -> lookup (mem s') ma' = Some p)).
  { intros k p H. apply lookup_bounded_insert in H; auto.
    destruct H as [[-> ->]|[Hne H]].
    - repeat split; auto. exists ma. auto.
    - destruct (Hc k p H) as [Hk [Hr [ma' [M' L']]]]. repeat split; auto. exists ma'.
      split; auto. intros [Hk'|[Hne'|Hw]]; [congruence|rewrite Hother; auto|].
      destruct (Nat.eq_dec ma' ma) as [->|Hne']; [rewrite Hread; auto|rewrite Hother; auto]. }
  assert (Hcoh : forall c, (forall k p, alookup c k = Some p -> alookup c' k = Some p /\
                   (k = va \/ w = false \/
                    forall ma', maps_to (hv cs) (active_os (hv cs)) k = Some ma' -> ma' <> ma)) ->
            cache_entries_coherent ctx (mk_cstate s' c t')).
  { intros c Hsub k p H. destruct (Hsub k p H) as [H' Hcase].
    destruct (Hc' k p H') as [Hk [Hr [ma' [M' L']]]]. simpl. rewrite Hm.
    repeat split; auto. exists ma'. split; auto. apply L'.
    destruct Hcase as [?|[?|Hne]]; auto. }
  assert (Ht' : forall c, tlb_entries_coherent (mk_cstate s' c t')).
  { intros c k m H. simpl in H |- *. rewrite Hm. unfold t' in H.
    destruct (ain_dom (tlb cs) va); auto.
    apply lookup_bounded_insert in H; auto. destruct H as [[-> ->]|[_ H]]; auto. }
  assert (Nt' : NoDup (akeys t')) by (unfold t'; destruct (ain_dom (tlb cs) va);
                                       auto using nodup_keys_bounded_insert).
  assert (Lt' : length t' <= tlb_size cfg) by (unfold t'; destruct (ain_dom (tlb cs) va);
                                                 auto using length_bounded_insert).
  assert (Lc' : length c' <= cache_size cfg) by (apply length_bounded_insert; exact L1).
  destruct w; simpl.
  - split; [|split; [apply Ht'|split; [apply nodup_keys_filter, Nc'|]]].
    2: split; [exact Nt'|split; [|exact Lt']].
    + apply Hcoh. intros k p H. unfold drop_aliases in H.
      apply lookup_filter_in in H. destruct H as [Hin Hp]. simpl in Hp.
      split; [now apply lookup_in_nodup|].
      apply orb_true_iff in Hp. destruct Hp as [Hk|Hp]; [left; now apply Nat.eqb_eq|].
      right; right. intros ma' Hma'. rewrite Hma' in Hp.
      apply negb_true_iff, Nat.eqb_neq in Hp. exact Hp.
    + eapply Nat.le_trans; [apply length_filter_le|exact Lc'].
  - split; [|split; [apply Ht'|repeat split; auto]]. apply Hcoh. intros k p H. auto.
Qed.

Lemma valid_cpt_page :
  forall s o p, valid_state ctx s -> cpt s o = Some p ->
    exists m, lookup (mem s) p = Some (mk_page (PT m) (Os o)).
Proof.
  intros s o p Hv H. rewrite cpt_phys in H.
  destruct (lookup (oss s) o) as [info|] eqn:Hi; [|discriminate].
  destruct (valid_current_page ctx s Hv o info Hi) as [ma [m [H1 H2]]].
  rewrite H1 in H. injection H as <-. eauto.
Qed.

(** A cached target of the active guest is its own page. *)
Lemma target_owned :
  forall s va ma, valid_state ctx s -> accessible ctx va = true ->
    maps_to s (active_os s) va = Some ma -> owned_by s ma (Os (active_os s)).
Proof.
  intros s va ma Hv Hacc H. pose proof (valid_maps_to_owned ctx s Hv _ va ma H) as Ho.
  now rewrite Hacc in Ho.
Qed.

(** Editing guest [o']'s current page table with [f], which changes only
    address [x]: the active guest's caches are invalidated at [x] when it is
    [o'], kept otherwise. *)
Lemma table_edit_coherent :
  forall cs o' f x s',
    valid_state ctx (hv cs) -> cache_coherent cfg ctx cs ->
    (forall m va, va <> x -> lookup (f m) va = lookup m va) ->
    Post_table_edit ctx (hv cs) o' f s' ->
    cache_coherent cfg ctx
      (if Nat.eqb o' (active_os (hv cs)) then invalidate cs s' x else keep cs s').
Proof.
  intros [s c t] o' f x s' Hv Hcoh Hf [ptma [m [ow [Hc [Hp ->]]]]]. simpl in *.
  assert (Hcpt : forall o, cpt (set_oss (set_mem s (update (mem s) ptma (mk_page (PT (f m)) ow)))
                                 (serve ctx s o')) o = cpt s o).
  { intros o. apply cpt_frame; simpl; auto. apply serve_curr_page. }
  assert (Hmem : forall x', mem_frame_except x' s
                   (set_oss (set_mem s (update (mem s) ptma (mk_page (PT (f m)) ow)))
                            (serve ctx s o'))).
  { intros x' va ma pg _ _ _ Hl Hrw. simpl. rewrite lookup_update_neq; auto.
    intros ->. rewrite Hp in Hl. injection Hl as <-. discriminate. }
  destruct (Nat.eqb o' (active_os s)) eqn:E.
  - apply Nat.eqb_eq in E. subst o'. apply invalidate_coherent; auto.
    intros va Hne. unfold maps_to, current_table. cbn [hv active_os set_oss set_mem mem].
    rewrite Hcpt, Hc, lookup_update_eq, Hp. apply Hf. congruence.
  - apply Nat.eqb_neq in E. apply keep_coherent; auto.
    intros va. simpl (active_os _). apply maps_to_frame; auto.
    intros p Hp'. simpl. apply lookup_update_neq. intros Ep. subst p.
    pose proof (valid_cpt_owned ctx s Hv o' ptma _ ow Hc Hp).
    pose proof (valid_cpt_owned ctx s Hv (active_os s) ptma _ ow Hp' Hp). congruence.
Qed.

Theorem cstep_preserves_coherence :
  flush_on_switch cfg = true ->
  forall cs a,
    valid_state ctx (hv cs) -> cache_coherent cfg ctx cs ->
    cache_coherent cfg ctx (cresult_state (cstep cfg ctx cs a)).
Proof.
  intros Hfl [s c tl] a Hv Hcoh. unfold cstep. cbv zeta. simpl in *.
  destruct (response (step ctx s a)) eqn:Hok; [|exact Hcoh].
  pose proof (step_sound ctx s Hv a) as Hex. rewrite Hok in Hex.
  destruct (exec_ok_inv _ _ _ _ Hex) as [_ [Hpre Hpost]].
  set (cs := mk_cstate s c tl) in *.
  (* the active guest's current table page: its own page table *)
  assert (Hcur : forall p, cpt s (active_os s) = Some p ->
            exists m, lookup (mem s) p = Some (mk_page (PT m) (Os (active_os s))))
    by (intros p; now apply valid_cpt_page).
  destruct a as [va|va v|va|va v|h|o' va pa|o' va|o' pa|o'| | |o' pa t|o' pa|];
    simpl in Hpre, Hpost |- *.
  - (* Read *)
    destruct Hpre as [_ [Hacc [ma [M [x [ow Hl]]]]]]. rewrite Hpost.
    apply (guest_access_coherent cs s va ma (mk_page (RW x) ow) false); auto.
  - (* Write *)
    destruct Hpre as [_ [Hacc [ma [M [x [ow Hl]]]]]].
    destruct Hpost as [ma' [pg [M' [Hl' ->]]]].
    unfold va_mapped_to_ma in M, M'. rewrite M in M'. injection M' as <-.
    rewrite Hl in Hl'. injection Hl' as <-.
    apply (guest_access_coherent cs _ va ma (mk_page (RW (Some v)) ow) true); simpl; auto.
    + intros va'. eapply maps_to_write_rw; eauto.
    + apply lookup_update_eq.
    + intros ma' Hne. apply lookup_update_neq. congruence.
    + discriminate.
  - (* Read_hyper *)
    rewrite Hpost. apply keep_coherent; auto. now intros va' ma pg _ _ _ Hl _.
  - (* Write_hyper: a hypervisor page *)
    destruct Hpre as [_ [Hacc [ma [M [x [ow Hl]]]]]].
    destruct Hpost as [ma' [pg [M' [Hl' ->]]]].
    unfold va_mapped_to_ma in M, M'. rewrite M in M'. injection M' as <-.
    pose proof (valid_maps_to_owned ctx s Hv _ va ma M) as Hown. rewrite Hacc in Hown.
    apply keep_coherent; simpl; auto.
    + intros va'. eapply maps_to_write_rw; eauto.
    + intros va' mb pgb _ Hacc' Mb Hlb _. cbn [mem set_mem].
      rewrite lookup_update_neq; [exact Hlb|].
      apply (owned_by_distinct s _ _ _ _ Hown (target_owned s va' mb Hv Hacc' Mb)). discriminate.
  - (* Hcall: only the pending hypercall of the active guest changes *)
    destruct Hpost as [info [Hi ->]]. apply keep_coherent; simpl; auto.
    + intros va'. apply maps_to_frame; auto. apply cpt_frame; simpl; auto.
      rewrite lookup_update. destruct (Nat.eqb (active_os s) (active_os s)) eqn:E; simpl.
      * now rewrite Hi.
      * now rewrite Nat.eqb_refl in E.
    + now intros va' ma pg _ _ _ Hl _.
  - (* New *)
    destruct Hpost as [pm [ma [_ [_ Hed]]]].
    refine (table_edit_coherent cs o' _ va _ Hv Hcoh _ Hed).
    intros m va' Hne. apply lookup_update_neq. congruence.
  - (* Del *)
    refine (table_edit_coherent cs o' _ va _ Hv Hcoh _ Hpost).
    intros m va' Hne. apply lookup_remove_neq. congruence.
  - (* Lswitch *)
    destruct (Nat.eqb o' (active_os s)) eqn:E; [apply flush_coherent|].
    apply Nat.eqb_neq in E. destruct Hpost as [info [Hi ->]].
    apply keep_coherent; simpl; auto.
    + intros va'. apply maps_to_frame; auto. apply cpt_frame; simpl; auto.
      now rewrite lookup_update_neq.
    + now intros va' ma pg _ _ _ Hl _.
  - (* Switch *)
    rewrite Hfl. apply flush_coherent.
  - (* Ret_ctrl *)
    rewrite Hpost. apply keep_coherent; auto. now intros va' ma pg _ _ _ Hl _.
  - (* Chmod *)
    rewrite Hpost. apply keep_coherent; auto. now intros va' ma pg _ _ _ Hl _.
  - (* Page_pin: a free page, and an unused physical address *)
    destruct Hpre as [_ [Hnone _]]. destruct Hpost as [ma [pm [Hfree [Hh ->]]]].
    assert (Hfar : forall ma', owned_by s ma' (Os (active_os s)) -> ma' <> ma)
      by (intros ma' Ho; eapply owned_by_distinct; [exact Ho|exact Hfree|discriminate]).
    apply keep_coherent; simpl; auto.
    + intros va'. apply maps_to_frame; auto.
      * apply cpt_frame; simpl; [apply serve_curr_page|].
        intros info Hi. rewrite lookup_update.
        destruct (Nat.eqb o' (active_os s)) eqn:E; [|reflexivity].
        apply Nat.eqb_eq in E. subst o'. rewrite Hh. simpl. rewrite lookup_update.
        destruct (Nat.eqb pa (curr_page info)) eqn:Ep; [|reflexivity].
        apply Nat.eqb_eq in Ep. subst pa.
        destruct (valid_current_page ctx s Hv _ info Hi) as [x [m [Hx _]]].
        rewrite Hh in Hx. simpl in Hx. rewrite (Hnone pm Hh) in Hx. discriminate.
      * intros p Hp. apply lookup_update_neq. apply not_eq_sym, Hfar.
        destruct (Hcur p Hp) as [m Hm]. eexists; split; [exact Hm|reflexivity].
    + intros va' ma' pg _ Hacc M Hlb _. cbn [mem]. rewrite lookup_update_neq; [exact Hlb|].
      apply not_eq_sym, Hfar. eapply target_owned; eauto.
  - (* Page_unpin: a page no table of its guest maps *)
    destruct Hpre as [_ [ma0 [[pm0 [Hh0 Hpa0]] [Hcurr Hnot]]]].
    destruct Hpost as [pm [ma [Hh [Hpa ->]]]].
    rewrite Hh in Hh0. injection Hh0 as <-. rewrite Hpa in Hpa0. injection Hpa0 as <-.
    assert (Hown : owned_by s ma (Os o'))
      by (apply (valid_phys_owned ctx s Hv o' pa); now rewrite Hh).
    apply keep_coherent; simpl; auto.
    + intros va'. apply maps_to_frame; auto.
      * apply cpt_frame; simpl; [apply serve_curr_page|].
        intros info Hi. rewrite lookup_update.
        destruct (Nat.eqb o' (active_os s)) eqn:E; [|reflexivity].
        apply Nat.eqb_eq in E. subst o'. rewrite Hh. simpl. apply lookup_remove_neq.
        intros Ep. exact (Hcurr info Hi (eq_sym Ep)).
      * intros p Hp. apply lookup_update_neq. intros Ep. subst p.
        destruct (Hcur ma Hp) as [m Hm].
        destruct (Nat.eq_dec o' (active_os s)) as [E|Hne].
        -- (* its own current table is not unpinned *)
           rewrite <- E in Hp. rewrite cpt_phys in Hp.
           destruct (lookup (oss s) o') as [info|] eqn:Hi; [|discriminate].
           apply (Hcurr info eq_refl).
           apply (valid_phys_injective ctx s Hv o' _ _ ma Hp). rewrite Hh. exact Hpa.
        -- refine (owned_by_distinct s _ _ _ _ Hown _ _ eq_refl).
           ++ eexists; split; [exact Hm|reflexivity].
           ++ intros E. injection E as E. exact (Hne E).
    + intros va' ma' pg _ Hacc M Hlb _. cbn [mem]. rewrite lookup_update_neq; [exact Hlb|].
      intros Ep. subst ma'.
      destruct (Nat.eq_dec o' (active_os s)) as [E|Hne].
      * rewrite <- E in M. apply Hnot. unfold maps_to, current_table in M.
        destruct (cpt s o') as [p|] eqn:Hp; [|discriminate].
        destruct (Hcur p ltac:(rewrite <- E; exact Hp)) as [m Hm].
        rewrite Hm in M. rewrite <- E in Hm. exists p, m, va'. auto.
      * refine (owned_by_distinct s _ _ _ _ Hown (target_owned s va' ma Hv Hacc M) _ eq_refl).
        intros E. injection E as E. exact (Hne E).
  - (* Silent *)
    apply keep_coherent; auto. now intros va' ma pg _ _ _ Hl _.
Qed.

(** Along a run from a valid coherent state, every state is coherent. *)
Corollary ctrace_coherent :
  flush_on_switch cfg = true ->
  forall acts cs,
    valid_state ctx (hv cs) -> cache_coherent cfg ctx cs ->
    forall r, In r (ctrace cfg ctx cs acts) -> cache_coherent cfg ctx (cresult_state r).
Proof.
  intros Hfl acts. induction acts as [|a rest IH]; intros cs Hv Hc r Hin; simpl in Hin.
  - contradiction.
  - destruct Hin as [<-|Hin]; [now apply cstep_preserves_coherence|].
    exact (IH _ (cstep_preserves_valid cfg ctx cs a Hv)
              (cstep_preserves_coherence Hfl cs a Hv Hc) r Hin).
Qed.

End Preservation.
