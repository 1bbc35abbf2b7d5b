(** [trace_indexed] is [trace] (StepIndex.v): the indexes built by
    [index_of] describe the memory ([index_ok]), every successful step keeps
    them describing it, and while they do, the two queries answer as [step]'s
    traversals. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps MapFacts Model Actions Errors Post Pre Step PreRefl
  StepIndex.
Import ListNotations.

(** ** Lists of entries *)

Lemma same_entry_true : forall e e', same_entry e e' = true <-> e = e'.
Proof.
  intros [p va] [p' va']. unfold same_entry. cbn [fst snd].
  rewrite andb_true_iff, !Nat.eqb_eq. split; [intros [-> ->]; reflexivity|].
  intros [= -> ->]. auto.
Qed.

Lemma entries_update :
  forall R ma l ma', entries (update R ma l) ma' = if Nat.eqb ma ma' then l else entries R ma'.
Proof.
  intros R ma l ma'. unfold entries. rewrite lookup_update.
  destruct (Nat.eqb ma ma'); reflexivity.
Qed.

Lemma in_add_mapper :
  forall p va ma R e ma',
    In e (entries (add_mapper p va ma R) ma') <-> (e = (p, va) /\ ma = ma') \/ In e (entries R ma').
Proof.
  intros p va ma R e ma'. unfold add_mapper. rewrite entries_update.
  destruct (Nat.eqb_spec ma ma') as [<-|Hne]; cbn [In].
  - split; intros [H|H]; auto. destruct H as [-> _]. auto.
  - split; [auto|]. intros [[_ H]|H]; [contradiction|exact H].
Qed.

Lemma in_drop_mapper :
  forall p va ma R e ma',
    In e (entries (drop_mapper p va ma R) ma') <->
    In e (entries R ma') /\ ~ (e = (p, va) /\ ma = ma').
Proof.
  intros p va ma R e ma'. unfold drop_mapper. rewrite entries_update.
  destruct (Nat.eqb_spec ma ma') as [<-|Hne].
  - rewrite filter_In, negb_true_iff.
    split; intros [H Hs]; split; auto.
    + intros [-> _]. rewrite (proj2 (same_entry_true _ _) eq_refl) in Hs. discriminate.
    + destruct (same_entry e (p, va)) eqn:E; [|reflexivity].
      apply same_entry_true in E. tauto.
  - split; [intros H; split; [exact H|intros [_ E]; contradiction]|tauto].
Qed.

(** [fold] is a [fold_right] over the bindings. *)
Lemma fold_bindings :
  forall {V A : Type} (g : nat -> V -> A -> A) (m : map V) acc,
    fold g m acc = fold_right (fun e a => g (fst e) (snd e) a) acc (bindings m).
Proof.
  intros V A g m acc. unfold bindings. rewrite !fold_spec. apply fold_from_right.
Qed.

Lemma in_add_table :
  forall p t R e ma,
    In e (entries (add_table p t R) ma) <->
    (fst e = p /\ lookup t (snd e) = Some ma) \/ In e (entries R ma).
Proof.
  intros p t R [q w] ma. unfold add_table. rewrite fold_bindings. cbn [fst snd].
  rewrite <- in_bindings. induction (bindings t) as [|[va ma'] L IH]; cbn [fold_right].
  - cbn [In]. tauto.
  - rewrite in_add_mapper, IH. cbn [fst snd In]. split.
    + intros [[[= -> ->] ->]|[[-> H]|H]]; auto.
    + intros [[-> [[= -> ->]|H]]|H]; auto.
Qed.

Lemma in_drop_table :
  forall p t R e ma,
    In e (entries (drop_table p t R) ma) <->
    In e (entries R ma) /\ ~ (fst e = p /\ lookup t (snd e) = Some ma).
Proof.
  intros p t R [q w] ma. unfold drop_table. rewrite fold_bindings. cbn [fst snd].
  rewrite <- in_bindings. induction (bindings t) as [|[va ma'] L IH]; cbn [fold_right].
  - cbn [In]. tauto.
  - rewrite in_drop_mapper, IH. cbn [fst snd In]. split.
    + intros [[H Hn] Hn']. split; [exact H|]. intros [-> [E|E]].
      * injection E as -> ->. auto.
      * auto.
    + intros [H Hn]. split; [split; [exact H|]|]; intros He; apply Hn.
      * destruct He as [-> E]. auto.
      * destruct He as [[= -> ->] ->]. auto.
Qed.

(** ** Building the index *)

(** The bindings of a map, as a predicate: what [index_of] reads. *)
Lemma index_of_list :
  forall (L : list (nat * page)),
    let ix := fold_right (fun e a => add_page (fst e) (snd e) a) (mk_index Leaf Leaf) L in
    (forall ma, in_dom (free_set ix) ma = true <->
                exists pg, In (ma, pg) L /\ is_free_page pg = true) /\
    (forall ma p va, In (p, va) (entries (mapped_from ix) ma) <->
                     exists pg, In (p, pg) L /\ lookup (table_of (Some pg)) va = Some ma).
Proof.
  induction L as [|[k pg] L [IHf IHm]]; cbn [fold_right fst snd].
  - cbn [free_set mapped_from]. split.
    + intros ma. unfold in_dom. rewrite lookup_leaf. split; [discriminate|].
      intros (pg & [] & _).
    + intros ma p va. unfold entries. rewrite lookup_leaf. split; [intros []|].
      intros (pg & [] & _).
  - set (ix := fold_right (fun e a => add_page (fst e) (snd e) a) _ L) in *. split.
    + intros ma. unfold add_page. cbn [free_set].
      destruct (is_free_page pg) eqn:Hf.
      * rewrite in_dom_update. destruct (Nat.eqb_spec k ma) as [<-|Hne].
        -- split; [intros _; exists pg; split; [left; reflexivity|exact Hf]|reflexivity].
        -- rewrite IHf. split.
           ++ intros (pg' & H & H'). exists pg'. split; [right; exact H|exact H'].
           ++ intros (pg' & [E|H] & H'); [injection E as -> ->; contradiction|eauto].
      * rewrite IHf. split.
        -- intros (pg' & H & H'). exists pg'. split; [right; exact H|exact H'].
        -- intros (pg' & [E|H] & H'); [injection E as -> ->; congruence|eauto].
    + intros ma p va. unfold add_page. cbn [mapped_from].
      rewrite in_add_table, IHm. cbn [fst snd]. split.
      * intros [[-> H]|(pg' & H & H')]; [exists pg; split; [left|]; auto|].
        exists pg'. split; [right|]; auto.
      * intros (pg' & [E|H] & H'); [injection E as -> ->; auto|].
        right. eauto.
Qed.

Lemma index_of_ok : forall mem, index_ok mem (index_of mem).
Proof.
  intros mem. unfold index_of. rewrite fold_bindings.
  destruct (index_of_list (bindings mem)) as [Hf Hm]. split.
  - intros ma. apply eq_true_iff_eq. rewrite Hf.
    setoid_rewrite in_bindings. destruct (lookup mem ma) as [pg|]; cbn [page_free].
    + split; [intros (pg' & [= <-] & H); exact H|eauto].
    + split; [intros (pg' & [=] & _)|discriminate].
  - intros ma p va. rewrite Hm. setoid_rewrite in_bindings. unfold table_maps.
    destruct (lookup mem p) as [pg|].
    + split; [intros (pg' & [= <-] & H); exact H|eauto].
    + cbn [table_of]. rewrite lookup_leaf. split; [intros (pg' & [=] & _)|discriminate].
Qed.

(** ** Keeping the index *)

Section Keep.
Variables (mem mem' : map page) (ix : index).
Hypothesis Hok : index_ok mem ix.

Lemma repage_ok :
  forall k, (forall k', k' <> k -> lookup mem' k' = lookup mem k') ->
    index_ok mem' (repage k (lookup mem k) (lookup mem' k) ix).
Proof.
  intros k Hsame. destruct Hok as [Hf Hm]. split.
  - intros ma. cbn [free_set repage]. destruct (Nat.eqb_spec k ma) as [<-|Hne].
    + destruct (page_free (lookup mem' k)) eqn:E.
      * now rewrite in_dom_update, Nat.eqb_refl.
      * unfold in_dom. now rewrite lookup_remove_eq.
    + rewrite (Hsame ma) by auto. rewrite <- Hf.
      destruct (page_free (lookup mem' k)).
      * rewrite in_dom_update. apply Nat.eqb_neq in Hne. now rewrite Hne.
      * unfold in_dom. now rewrite lookup_remove_neq.
  - intros ma p va. cbn [mapped_from repage].
    rewrite in_add_table, in_drop_table, Hm. cbn [fst snd]. unfold table_maps.
    destruct (Nat.eqb_spec p k) as [->|Hne].
    + tauto.
    + rewrite (Hsame p Hne). tauto.
Qed.

Lemma retarget_ok :
  forall p va,
    (forall k', k' <> p -> lookup mem' k' = lookup mem k') ->
    page_free (lookup mem' p) = page_free (lookup mem p) ->
    (forall va', va' <> va ->
       lookup (table_of (lookup mem' p)) va' = lookup (table_of (lookup mem p)) va') ->
    index_ok mem'
      (retarget p va (lookup (table_of (lookup mem p)) va)
         (lookup (table_of (lookup mem' p)) va) ix).
Proof.
  intros p va Hsame Hfree Htable. destruct Hok as [Hf Hm]. split.
  - intros ma. cbn [free_set retarget]. rewrite Hf.
    destruct (Nat.eqb_spec ma p) as [->|Hne]; [now rewrite Hfree|now rewrite Hsame].
  - intros ma q w. cbn [mapped_from retarget].
    assert (Hdrop : In (q, w)
      (entries (match lookup (table_of (lookup mem p)) va with
                | Some ma0 => drop_mapper p va ma0 (mapped_from ix)
                | None => mapped_from ix
                end) ma) <->
      In (q, w) (entries (mapped_from ix) ma) /\
      ~ ((q, w) = (p, va) /\ lookup (table_of (lookup mem p)) va = Some ma)).
    { destruct (lookup (table_of (lookup mem p)) va) as [ma0|].
      - rewrite in_drop_mapper. split; intros [H Hn]; split; auto; intros [E E'].
        + apply Hn. split; [exact E|congruence].
        + apply Hn. split; [exact E|congruence].
      - split; [intros H; split; [exact H|intros [_ [=]]]|tauto]. }
    assert (Hadd : forall R, In (q, w)
      (entries (match lookup (table_of (lookup mem' p)) va with
                | Some ma0 => add_mapper p va ma0 R
                | None => R
                end) ma) <->
      ((q, w) = (p, va) /\ lookup (table_of (lookup mem' p)) va = Some ma) \/
      In (q, w) (entries R ma)).
    { intros R. destruct (lookup (table_of (lookup mem' p)) va) as [ma0|].
      - rewrite in_add_mapper. split; intros [[E E']|H]; auto; left; split; congruence.
      - split; [auto|intros [[_ [=]]|H]; exact H]. }
    rewrite Hadd, Hdrop, Hm. unfold table_maps.
    destruct (Nat.eqb_spec q p) as [->|Hq].
    + destruct (Nat.eqb_spec w va) as [->|Hw].
      * split; [intros [[_ H]|[H Hn]]; [exact H|]; exfalso; auto|auto].
      * rewrite (Htable w Hw). split; [intros [[[= E] _]|[H _]]; [contradiction|exact H]|].
        intros H. right. split; [exact H|intros [[= E] _]; contradiction].
    + rewrite (Hsame q Hq). split.
      * intros [[[= E _] _]|[H _]]; [contradiction|exact H].
      * intros H. right. split; [exact H|intros [[= E _] _]; contradiction].
Qed.

End Keep.

Lemma index_ok_same_mem :
  forall mem mem' ix, mem' = mem -> index_ok mem ix -> index_ok mem' ix.
Proof. intros mem mem' ix ->. auto. Qed.

(** ** The queries answer as [step]'s traversals *)

Section Queries.
Variables (s : state) (ix : index).
Hypothesis Hok : index_ok (mem s) ix.

Lemma least_free_ok : least_free ix = least_free_page s.
Proof.
  destruct Hok as [Hf _]. unfold least_free.
  assert (Hin : forall k, (exists u, lookup (free_set ix) k = Some u) <-> free s k).
  { intros k. rewrite <- in_dom_lookup, Hf. unfold free.
    destruct (lookup (mem s) k) as [pg|]; cbn [page_free].
    - unfold is_free_page. split.
      + intros H. exists pg. split; [reflexivity|]. destruct (owner pg); congruence.
      + intros (pg' & [= <-] & ->). reflexivity.
    - split; [discriminate|intros (pg & [=] & _)]. }
  destruct (least_key (fun _ _ => true) (free_set ix)) as [k|] eqn:E.
  - apply least_key_some in E as [(u & Hu & _) Hmin].
    assert (Hk : free s k) by (apply Hin; eauto).
    destruct (least_free_page s) as [k'|] eqn:E'.
    + apply least_free_page_some in E' as [Hk' Hmin']. f_equal.
      apply Nat.le_antisymm; [|now apply Hmin'].
      apply Hin in Hk' as (u' & Hu'). now apply (Hmin k' u').
    + exfalso. now apply least_free_page_none with (ma := k) in E'.
  - symmetry. apply least_free_page_none. intros k Hk.
    apply Hin in Hk as (u & Hu). pose proof (least_key_none _ _ E k u Hu). discriminate.
Qed.

Lemma mapped_by_own_table_ix_ok :
  forall o ma, mapped_by_own_table_ix (mem s) ix o ma = mapped_by_own_table_b s o ma.
Proof.
  intros o ma. destruct Hok as [_ Hm]. apply eq_true_iff_eq.
  rewrite mapped_by_own_table_b_spec. unfold mapped_by_own_table_ix, mapped_by_own_table.
  rewrite existsb_exists. split.
  - intros ([p va] & Hin & Ho). apply Hm in Hin. unfold table_maps, own_mapper in *.
    cbn [fst] in Ho. destruct (lookup (mem s) p) as [[[v|t|] [|o'|]]|] eqn:Hl;
      try discriminate.
    apply Nat.eqb_eq in Ho as ->. exists p, t, va. auto.
  - intros (p & t & va & Hl & Ht). exists (p, va). split.
    + apply Hm. unfold table_maps. now rewrite Hl.
    + unfold own_mapper. cbn [fst]. rewrite Hl. apply Nat.eqb_refl.
Qed.

End Queries.

(** ** The indexed step is [step], and keeps the index *)

Lemma unpin_step_ext :
  forall ctx s f g o pa, (forall ma, f ma = g ma) -> unpin_step ctx s f o pa = unpin_step ctx s g o pa.
Proof.
  intros ctx s f g o pa H. unfold unpin_step, unpin_error.
  destruct (physical_page s o pa) as [ma|]; [now rewrite H|reflexivity].
Qed.

Lemma step_indexed_step :
  forall ctx s ix a, index_ok (mem s) ix -> step_indexed ctx s ix a = step ctx s a.
Proof.
  intros ctx s ix a Hok. destruct a; try reflexivity.
  - cbn [step_indexed]. rewrite (least_free_ok s ix Hok). reflexivity.
  - cbn [step_indexed].
    rewrite (unpin_step_ext ctx s _ (mapped_by_own_table_b s o) o pa)
      by apply (mapped_by_own_table_ix_ok s ix Hok).
    reflexivity.
Qed.

(** How a successful step's effect changes the memory. *)
Lemma write_effect_mem :
  forall s va v k, maps_to s (active_os s) va = Some k ->
    forall k', k' <> k -> lookup (mem (write_effect s va v)) k' = lookup (mem s) k'.
Proof.
  intros s va v k Hk k' Hne. unfold write_effect. rewrite Hk.
  destruct (lookup (mem s) k); cbn [mem]; [apply lookup_update_neq; congruence|reflexivity].
Qed.

Lemma write_effect_none :
  forall s va v, maps_to s (active_os s) va = None -> write_effect s va v = s.
Proof. intros s va v H. unfold write_effect. now rewrite H. Qed.

Lemma table_edit_cases :
  forall ctx s o f,
    mem (table_edit ctx s o f) = mem s \/
    exists p t ow, cpt s o = Some p /\ lookup (mem s) p = Some (mk_page (PT t) ow) /\
      mem (table_edit ctx s o f) = update (mem s) p (mk_page (PT (f t)) ow).
Proof.
  intros ctx s o f. unfold table_edit.
  destruct (cpt s o) as [p|] eqn:Hc; [|now left].
  destruct (lookup (mem s) p) as [[[v|t|] ow]|] eqn:Hl; try (now left).
  right. now exists p, t, ow.
Qed.

(** [New] and [Del] edit the entry for [va] of the current table, if any. *)
Lemma table_edit_ok :
  forall ctx s ix o va f,
    index_ok (mem s) ix ->
    (forall t va', va' <> va -> lookup (f t) va' = lookup t va') ->
    index_ok (mem (table_edit ctx s o f))
      (match cpt s o with
       | Some p =>
           retarget p va (lookup (table_of (lookup (mem s) p)) va)
             (lookup (table_of (lookup (mem (table_edit ctx s o f)) p)) va) ix
       | None => ix
       end).
Proof.
  intros ctx s ix o va f Hok Hf.
  destruct (table_edit_cases ctx s o f) as [E|(p & t & ow & Hc & Hl & E)]; rewrite E.
  - destruct (cpt s o) as [p|]; [|exact Hok].
    apply retarget_ok; auto.
  - rewrite Hc. apply retarget_ok; auto.
    + intros k' Hne. apply lookup_update_neq. congruence.
    + rewrite lookup_update_eq, Hl. reflexivity.
    + intros va' Hne. rewrite lookup_update_eq, Hl. cbn [table_of]. auto.
Qed.

Lemma next_index_ok :
  forall ctx s ix a,
    index_ok (mem s) ix ->
    response (step ctx s a) = Ok ->
    index_ok (mem (result_state (step ctx s a)))
      (next_index s a (result_state (step ctx s a)) ix).
Proof.
  intros ctx s ix a Hok Hr. unfold step in *.
  destruct (pre_error ctx s a) as [ec|] eqn:Hpre; [discriminate|]. cbn [result_state].
  destruct a; cbn [next_index effect]; try exact Hok.
  - (* Write *)
    destruct (maps_to s (active_os s) va) as [k|] eqn:Hk.
    + apply repage_ok; [exact Hok|]. now apply write_effect_mem.
    + now rewrite write_effect_none.
  - (* Write_hyper *)
    destruct (maps_to s (active_os s) va) as [k|] eqn:Hk.
    + apply repage_ok; [exact Hok|]. now apply write_effect_mem.
    + now rewrite write_effect_none.
  - (* Hcall *)
    destruct (lookup (oss s) (active_os s)); exact Hok.
  - (* New *)
    destruct (physical_page s o pa) as [ma|].
    + apply table_edit_ok; [exact Hok|]. intros t va' Hne. apply lookup_update_neq. congruence.
    + destruct (cpt s o) as [p|]; [|exact Hok].
      apply retarget_ok; auto.
  - (* Del *)
    apply table_edit_ok; [exact Hok|]. intros t va' Hne. apply lookup_remove_neq. congruence.
  - (* Lswitch *)
    destruct (lookup (oss s) o); exact Hok.
  - (* Page_pin *)
    rewrite (least_free_ok s ix Hok).
    destruct (least_free_page s) as [k|]; [|exact Hok].
    apply repage_ok; [exact Hok|]. intros k' Hne. unfold pin_effect.
    destruct (lookup (hyp s) o); cbn [mem]; [apply lookup_update_neq; congruence|reflexivity].
  - (* Page_unpin *)
    unfold physical_page. destruct (lookup (hyp s) o) as [pm|]; [|exact Hok].
    destruct (lookup pm pa) as [k|]; [|exact Hok].
    apply repage_ok; [exact Hok|]. intros k' Hne. cbn [mem]. apply lookup_update_neq. congruence.
Qed.

Lemma step_index_ok :
  forall ctx s ix a,
    index_ok (mem s) ix ->
    step_index ctx s ix a = (step ctx s a, snd (step_index ctx s ix a)) /\
    index_ok (mem (result_state (step ctx s a))) (snd (step_index ctx s ix a)).
Proof.
  intros ctx s ix a Hok. unfold step_index. rewrite (step_indexed_step ctx s ix a Hok).
  split; [reflexivity|]. cbn [snd].
  destruct (response (step ctx s a)) eqn:Hr.
  - now apply next_index_ok.
  - unfold step in *. destruct (pre_error ctx s a); [exact Hok|discriminate].
Qed.

Lemma trace_from_trace :
  forall ctx acts s ix, index_ok (mem s) ix -> trace_from ctx s ix acts = trace ctx s acts.
Proof.
  intros ctx. induction acts as [|a rest IH]; intros s ix Hok; [reflexivity|].
  cbn [trace_from trace]. destruct (step_index_ok ctx s ix a Hok) as [E Hok'].
  rewrite E. f_equal. now apply IH.
Qed.

Theorem trace_indexed_trace :
  forall ctx s acts, trace_indexed ctx s acts = trace ctx s acts.
Proof.
  intros ctx s acts. apply trace_from_trace, index_of_ok.
Qed.
