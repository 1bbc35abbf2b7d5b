(** Frame lemmas for [valid_state]: what each of its eight properties reads,
    so that the proof for each action only argues about what the action
    changes.  Properties 1 to 4 read the control fields and the pending
    hypercalls; properties 5 to 8 read the physical maps ([hyp]), page owners,
    page-table contents, the guests' current pages and the active guest. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Valid Pre Post.

(** * Splitting [valid_state] into its properties *)

Section Split.
Variable ctx : context.
Variable s : state.

Lemma valid_state_intro :
  trusted_no_hcall ctx s -> running_no_hcall s -> svc_when_privileged ctx s ->
  usr_when_untrusted ctx s -> hyp_maps_owned s -> page_tables_owned ctx s ->
  os_tables_exist s -> accessible_mappings_physical ctx s -> valid_state ctx s.
Proof.
  intros H1 H2 H3 H4 H5 H6 H7 H8.
  exact (conj H1 (conj H2 (conj H3 (conj H4 (conj H5 (conj H6 (conj H7 H8))))))).
Qed.

Hypothesis Hv : valid_state ctx s.

Lemma valid_trusted_no_hcall : trusted_no_hcall ctx s.
Proof. apply Hv. Qed.
Lemma valid_running_no_hcall : running_no_hcall s.
Proof. apply Hv. Qed.
Lemma valid_svc_when_privileged : svc_when_privileged ctx s.
Proof. apply Hv. Qed.
Lemma valid_usr_when_untrusted : usr_when_untrusted ctx s.
Proof. apply Hv. Qed.
Lemma valid_hyp_maps_owned : hyp_maps_owned s.
Proof. apply Hv. Qed.
Lemma valid_page_tables_owned : page_tables_owned ctx s.
Proof. apply Hv. Qed.
Lemma valid_os_tables_exist : os_tables_exist s.
Proof. apply Hv. Qed.
Lemma valid_accessible_mappings_physical : accessible_mappings_physical ctx s.
Proof. apply Hv. Qed.

End Split.

(** [split_valid] leaves one goal per property, in the order of [Valid.v]. *)
Ltac split_valid := apply valid_state_intro.

(** * Facts about a single valid state *)

Lemma owned_by_unique :
  forall s ma ow1 ow2, owned_by s ma ow1 -> owned_by s ma ow2 -> ow1 = ow2.
Proof.
  intros s ma ow1 ow2 [pg1 [H1 <-]] [pg2 [H2 <-]]. congruence.
Qed.

(** A free page is owned by nobody else. *)
Lemma free_not_owned :
  forall s ma ow, free s ma -> owned_by s ma ow -> ow = No_Owner.
Proof.
  intros s ma ow Hfree Hown. exact (owned_by_unique s ma ow No_Owner Hown Hfree).
Qed.

(** The current page table of a guest is one of its own pages. *)
Lemma cpt_owned :
  forall s o ptma m ow,
    os_tables_exist s -> cpt s o = Some ptma ->
    lookup (mem s) ptma = Some (mk_page (PT m) ow) -> ow = Os o.
Proof.
  intros s o ptma m ow [Hos _] Hcpt Hpt. unfold cpt in Hcpt.
  destruct (lookup (oss s) o) as [info|] eqn:Ho; [|discriminate].
  destruct (lookup (hyp s) o) as [pm|] eqn:Hh; [|discriminate].
  destruct (Hos o info Ho) as (pm' & ma & m' & Hh' & Hcurr & Hpage).
  rewrite Hh in Hh'. injection Hh' as <-.
  rewrite Hcurr in Hcpt. injection Hcpt as <-. congruence.
Qed.

(** * Frame conditions between a state [s] and its successor [s'] *)

Section Frame.
Variable ctx : context.
Variables s s' : state.

(** Every page keeps its owner (its content may change). *)
Definition owners_kept : Prop :=
  forall ma ow, owned_by s ma ow -> owned_by s' ma ow.

(** Every page table stays a page table of the same owner (its entries may change). *)
Definition tables_kept : Prop :=
  forall ma m ow, lookup (mem s) ma = Some (mk_page (PT m) ow) ->
    exists m', lookup (mem s') ma = Some (mk_page (PT m') ow).

(** Every guest-owned page table of [s'] was one of the same guest in [s];
    each of its entries was already there or is an accessible mapping to a
    page the guest holds physically. *)
Definition tables_justified : Prop :=
  forall ma m o, lookup (mem s') ma = Some (mk_page (PT m) (Os o)) ->
    exists m0, lookup (mem s) ma = Some (mk_page (PT m0) (Os o)) /\
      forall va ma', lookup m va = Some ma' ->
        lookup m0 va = Some ma' \/
        (accessible ctx va = true /\ exists pa, physical s o pa ma').

(** The same guests with the same current pages (pending hypercalls may change). *)
Definition guests_kept : Prop :=
  forall o, option_map curr_page (lookup (oss s') o) =
            option_map curr_page (lookup (oss s) o).

(** The active guest of [s'] exists. *)
Definition active_exists : Prop :=
  exists info, lookup (oss s') (active_os s') = Some info.

Lemma hyp_maps_owned_frame :
  hyp s' = hyp s -> owners_kept -> hyp_maps_owned s -> hyp_maps_owned s'.
Proof.
  intros Hh Hown [Howned Hinj]. unfold hyp_maps_owned. rewrite Hh. split.
  - intros o pm pa ma Hpm Hma. eauto.
  - exact Hinj.
Qed.

Lemma page_tables_owned_frame :
  owners_kept -> tables_justified -> hyp_maps_owned s ->
  page_tables_owned ctx s -> page_tables_owned ctx s'.
Proof.
  intros Hown Hjust [Howned _] Hpt ma m o va ma' Hpage Hva.
  destruct (Hjust ma m o Hpage) as (m0 & Hpage0 & Hentries).
  apply Hown. destruct (Hentries va ma' Hva) as [Hold | (Hacc & pa & pm & Hpm & Hpa)].
  - exact (Hpt ma m0 o va ma' Hpage0 Hold).
  - rewrite Hacc. eauto.
Qed.

Lemma os_tables_exist_frame :
  hyp s' = hyp s -> tables_kept -> guests_kept -> active_exists ->
  os_tables_exist s -> os_tables_exist s'.
Proof.
  intros Hh Hkept Hguests Hactive [Hos [_ Hdom]]. unfold os_tables_exist.
  rewrite Hh. repeat split.
  - intros o info' Ho'. specialize (Hguests o). rewrite Ho' in Hguests.
    destruct (lookup (oss s) o) as [info|] eqn:Ho; [|discriminate].
    injection Hguests as Hcurr.
    destruct (Hos o info Ho) as (pm & ma & m & Hpm & Hma & Hpage).
    destruct (Hkept ma m (Os o) Hpage) as [m' Hpage'].
    rewrite Hcurr. exists pm, ma, m'. auto.
  - exact Hactive.
  - intros o pm Hpm. destruct (Hdom o pm Hpm) as [info Ho].
    specialize (Hguests o). rewrite Ho in Hguests.
    destruct (lookup (oss s') o); [eauto|discriminate].
Qed.

Lemma accessible_mappings_physical_frame :
  hyp s' = hyp s -> tables_justified ->
  accessible_mappings_physical ctx s -> accessible_mappings_physical ctx s'.
Proof.
  intros Hh Hjust Hphys ma m o va ma' Hpage Hva Hacc. rewrite Hh.
  destruct (Hjust ma m o Hpage) as (m0 & Hpage0 & Hentries).
  destruct (Hentries va ma' Hva) as [Hold | (_ & pa & pm & Hpm & Hpa)]; eauto.
Qed.

(** Properties 5 to 8 hold in [s'] when [hyp] is unchanged and the frame
    conditions hold. *)
Lemma valid_state_frame :
  valid_state ctx s ->
  trusted_no_hcall ctx s' -> running_no_hcall s' -> svc_when_privileged ctx s' ->
  usr_when_untrusted ctx s' ->
  hyp s' = hyp s -> owners_kept -> tables_kept -> tables_justified -> guests_kept ->
  active_exists ->
  valid_state ctx s'.
Proof.
  intros Hv H1 H2 H3 H4 Hh Hown Hkept Hjust Hguests Hactive. split_valid; auto.
  - apply hyp_maps_owned_frame; auto. apply (valid_hyp_maps_owned ctx s Hv).
  - apply page_tables_owned_frame; auto.
    + apply (valid_hyp_maps_owned ctx s Hv).
    + apply (valid_page_tables_owned ctx s Hv).
  - apply os_tables_exist_frame; auto. apply (valid_os_tables_exist ctx s Hv).
  - apply accessible_mappings_physical_frame; auto.
    apply (valid_accessible_mappings_physical ctx s Hv).
Qed.

(** ** Unchanged parts satisfy their frame conditions *)

Lemma same_mem_frame :
  mem s' = mem s -> owners_kept /\ tables_kept /\ tables_justified.
Proof.
  intros Hm. unfold owners_kept, tables_kept, tables_justified, owned_by.
  rewrite Hm. repeat split; eauto.
Qed.

Lemma same_oss_guests_kept : oss s' = oss s -> guests_kept.
Proof. intros Ho o. now rewrite Ho. Qed.

(** Control fields unchanged and pending hypercalls unchanged or served
    keep properties 1 to 4. *)
Definition hcalls_kept_or_served : Prop :=
  forall o info', lookup (oss s') o = Some info' ->
    exists info, lookup (oss s) o = Some info /\
      (hcall info' = hcall info \/ hcall info' = None).

Lemma control_frame :
  active_os s' = active_os s -> activity s' = activity s -> exec_mode s' = exec_mode s ->
  hcalls_kept_or_served ->
  trusted_no_hcall ctx s -> running_no_hcall s ->
  svc_when_privileged ctx s -> usr_when_untrusted ctx s ->
  trusted_no_hcall ctx s' /\ running_no_hcall s' /\
  svc_when_privileged ctx s' /\ usr_when_untrusted ctx s'.
Proof.
  intros Hao Hact Hmd Hserved H1 H2 H3 H4.
  unfold trusted_no_hcall, running_no_hcall, svc_when_privileged, usr_when_untrusted in *.
  rewrite Hao, Hact, Hmd. repeat split; auto.
  - intros o info' Ho' Htr. destruct (Hserved o info' Ho') as (info & Ho & [Hc|Hc]);
      rewrite Hc; eauto.
  - intros Hrun info' Ho'. rewrite <- Hao in Ho'.
    destruct (Hserved _ info' Ho') as (info & Ho & [Hc|Hc]); rewrite Hc; auto.
    rewrite Hao in Ho. eauto.
Qed.

Lemma same_oss_hcalls_kept : oss s' = oss s -> hcalls_kept_or_served.
Proof. intros Ho o info' Ho'. rewrite Ho in Ho'. eauto. Qed.

Lemma same_control_frame :
  valid_state ctx s ->
  active_os s' = active_os s -> activity s' = activity s -> exec_mode s' = exec_mode s ->
  oss s' = oss s ->
  trusted_no_hcall ctx s' /\ running_no_hcall s' /\
  svc_when_privileged ctx s' /\ usr_when_untrusted ctx s'.
Proof.
  intros Hv Hao Hact Hmd Hoss. apply control_frame; auto.
  - apply same_oss_hcalls_kept; auto.
  - apply (valid_trusted_no_hcall ctx s Hv).
  - apply (valid_running_no_hcall ctx s Hv).
  - apply (valid_svc_when_privileged ctx s Hv).
  - apply (valid_usr_when_untrusted ctx s Hv).
Qed.

(** The active guest of [s] is still a guest of [s'] if [oss] keeps its domain. *)
Lemma guests_kept_active_exists :
  valid_state ctx s -> guests_kept -> active_os s' = active_os s -> active_exists.
Proof.
  intros Hv Hguests Hao.
  destruct (valid_os_tables_exist ctx s Hv) as [_ [[info Hact] _]].
  specialize (Hguests (active_os s)). unfold active_exists. rewrite Hao.
  rewrite Hact in Hguests.
  destruct (lookup (oss s') (active_os s)); [eauto|discriminate].
Qed.

End Frame.

(** * Serving a hypercall *)

Lemma lookup_serve :
  forall ctx s o o',
    lookup (serve ctx s o) o' =
    if Nat.eqb o o' then option_map (served_info ctx o) (lookup (oss s) o)
    else lookup (oss s) o'.
Proof.
  intros ctx s o o'. unfold serve.
  destruct (lookup (oss s) o) as [info|] eqn:Ho; rewrite ?lookup_update;
    destruct (Nat.eqb o o') eqn:E; auto.
  apply Nat.eqb_eq in E. subst. now rewrite Ho.
Qed.

Lemma serve_guests_kept :
  forall ctx s s' o, oss s' = serve ctx s o -> guests_kept s s'.
Proof.
  intros ctx s s' o Hoss o'. rewrite Hoss, lookup_serve.
  destruct (Nat.eqb o o') eqn:E; auto.
  apply Nat.eqb_eq in E. subst. now destruct (lookup (oss s) o').
Qed.

Lemma serve_hcalls_kept_or_served :
  forall ctx s s' o, oss s' = serve ctx s o -> hcalls_kept_or_served s s'.
Proof.
  intros ctx s s' o Hoss o' info' Ho'. rewrite Hoss, lookup_serve in Ho'.
  destruct (Nat.eqb o o') eqn:E.
  - apply Nat.eqb_eq in E. subst.
    destruct (lookup (oss s) o') as [info|]; [|discriminate].
    injection Ho' as <-. exists info. split; auto. simpl.
    destruct (trusted ctx o'); auto.
  - eauto.
Qed.

(** Serving a hypercall with the control fields unchanged keeps properties 1 to 4. *)
Lemma serve_control_frame :
  forall ctx s s' o,
    valid_state ctx s -> oss s' = serve ctx s o ->
    active_os s' = active_os s -> activity s' = activity s -> exec_mode s' = exec_mode s ->
    trusted_no_hcall ctx s' /\ running_no_hcall s' /\
    svc_when_privileged ctx s' /\ usr_when_untrusted ctx s'.
Proof.
  intros ctx s s' o Hv Hoss Hao Hact Hmd.
  apply control_frame with s; auto.
  - eapply serve_hcalls_kept_or_served; eauto.
  - apply (valid_trusted_no_hcall ctx s Hv).
  - apply (valid_running_no_hcall ctx s Hv).
  - apply (valid_svc_when_privileged ctx s Hv).
  - apply (valid_usr_when_untrusted ctx s Hv).
Qed.


(** * Changes of the control fields and pending hypercalls only *)

(** Changing only the active guest, mode, activity and pending hypercalls
    keeps properties 5 to 8, provided the active guest exists. *)
Lemma guests_change_preserves_valid :
  forall ctx s s',
    valid_state ctx s -> guests_kept s s' -> hyp s' = hyp s -> mem s' = mem s ->
    active_exists s' ->
    trusted_no_hcall ctx s' -> running_no_hcall s' -> svc_when_privileged ctx s' ->
    usr_when_untrusted ctx s' ->
    valid_state ctx s'.
Proof.
  intros ctx s s' Hv Hguests Hh Hm Hactive H1 H2 H3 H4.
  destruct (same_mem_frame ctx s s' Hm) as (Hown & Hkept & Hjust).
  apply valid_state_frame with s; auto.
Qed.

(** Giving guest [o] a new [os_info] with the same current page keeps the guests. *)
Lemma update_guests_kept :
  forall s s' o info info',
    lookup (oss s) o = Some info -> curr_page info' = curr_page info ->
    oss s' = update (oss s) o info' -> guests_kept s s'.
Proof.
  intros s s' o info info' Ho Hcurr Hoss o'. rewrite Hoss, lookup_update.
  destruct (Nat.eqb o o') eqn:E; auto.
  apply Nat.eqb_eq in E. subst o'. rewrite Ho. simpl. now rewrite Hcurr.
Qed.
