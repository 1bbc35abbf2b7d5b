(** Consequences of [valid_state] (properties 5 to 8) used by the isolation
    proofs, phrased with [phys_of] of [OsEquiv.v]: who owns the pages a
    guest reaches, physically or through its current page table. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Valid OsEquiv.
Import ListNotations.

Section Facts.
Variable ctx : context.
Variable s : state.

Lemma owned_by_distinct :
  forall ma1 ma2 ow1 ow2,
    owned_by s ma1 ow1 -> owned_by s ma2 ow2 -> ow1 <> ow2 -> ma1 <> ma2.
Proof.
  intros ma1 ma2 ow1 ow2 [pg1 [H1 Ho1]] [pg2 [H2 Ho2]] Hne ->. congruence.
Qed.

(** [cpt] is the physical map applied to the current page. *)
Lemma cpt_phys :
  forall o,
    cpt s o = match lookup (oss s) o with
              | Some info => phys_of (lookup (hyp s) o) (curr_page info)
              | None => None
              end.
Proof.
  intros o. unfold cpt. destruct (lookup (oss s) o), (lookup (hyp s) o); reflexivity.
Qed.

Lemma current_table_page :
  forall o m,
    current_table s o = Some m ->
    exists ptma ow, cpt s o = Some ptma /\ lookup (mem s) ptma = Some (mk_page (PT m) ow).
Proof.
  intros o m. unfold current_table.
  destruct (cpt s o) as [ptma|]; [|discriminate].
  destruct (lookup (mem s) ptma) as [[[v|m'|] ow]|] eqn:Hp; try discriminate.
  intros [= <-]. eauto.
Qed.

Hypothesis Hvalid : valid_state ctx s.

Lemma valid_phys_owned :
  forall o pa ma, phys_of (lookup (hyp s) o) pa = Some ma -> owned_by s ma (Os o).
Proof.
  intros o pa ma H. destruct Hvalid as [_ [_ [_ [_ [[Hown _] _]]]]].
  destruct (lookup (hyp s) o) as [pm|] eqn:Hh; [|discriminate]. eauto.
Qed.

Lemma valid_phys_injective :
  forall o pa1 pa2 ma,
    phys_of (lookup (hyp s) o) pa1 = Some ma -> phys_of (lookup (hyp s) o) pa2 = Some ma ->
    pa1 = pa2.
Proof.
  intros o pa1 pa2 ma H1 H2. destruct Hvalid as [_ [_ [_ [_ [[_ Hinj] _]]]]].
  destruct (lookup (hyp s) o) as [pm|] eqn:Hh; [|discriminate]. eauto.
Qed.

(** A guest's current page table is a page table of its own. *)
Lemma valid_current_page :
  forall o info,
    lookup (oss s) o = Some info ->
    exists ma m,
      phys_of (lookup (hyp s) o) (curr_page info) = Some ma /\
      lookup (mem s) ma = Some (mk_page (PT m) (Os o)).
Proof.
  intros o info Hi. destruct Hvalid as [_ [_ [_ [_ [_ [_ [[Hex _] _]]]]]]].
  destruct (Hex o info Hi) as [pm [ma [m [Hh [Hpm Hmem]]]]].
  exists ma, m. rewrite Hh. auto.
Qed.

Lemma valid_cpt_owned :
  forall o ptma c ow,
    cpt s o = Some ptma -> lookup (mem s) ptma = Some (mk_page c ow) -> ow = Os o.
Proof.
  intros o ptma c ow Hc Hp. rewrite cpt_phys in Hc.
  destruct (lookup (oss s) o) as [info|] eqn:Hi; [|discriminate].
  destruct (valid_current_page o info Hi) as [ma [m [Hma Hmem]]].
  rewrite Hma in Hc. injection Hc as ->. congruence.
Qed.

Lemma valid_current_table_owned :
  forall o m,
    current_table s o = Some m ->
    exists ptma, cpt s o = Some ptma /\ lookup (mem s) ptma = Some (mk_page (PT m) (Os o)).
Proof.
  intros o m H. destruct (current_table_page o m H) as [ptma [ow [Hc Hp]]].
  pose proof (valid_cpt_owned o ptma (PT m) ow Hc Hp) as ->. eauto.
Qed.

(** Property 6 through the current page table. *)
Lemma valid_maps_to_owned :
  forall o va ma,
    maps_to s o va = Some ma -> owned_by s ma (if accessible ctx va then Os o else Hyp).
Proof.
  intros o va ma H. unfold maps_to in H.
  destruct (current_table s o) as [m|] eqn:Ht; [|discriminate].
  destruct (valid_current_table_owned o m Ht) as [ptma [_ Hp]].
  destruct Hvalid as [_ [_ [_ [_ [_ [Hpt _]]]]]]. eauto.
Qed.

(** Property 8 through the current page table. *)
Lemma valid_maps_to_physical :
  forall o va ma,
    maps_to s o va = Some ma -> accessible ctx va = true ->
    exists pa, phys_of (lookup (hyp s) o) pa = Some ma.
Proof.
  intros o va ma H Hacc. unfold maps_to in H.
  destruct (current_table s o) as [m|] eqn:Ht; [|discriminate].
  destruct (valid_current_table_owned o m Ht) as [ptma [_ Hp]].
  destruct Hvalid as [_ [_ [_ [_ [_ [_ [_ Hphys]]]]]]].
  destruct (Hphys ptma m o va ma Hp H Hacc) as [pm [pa [Hh Hpa]]].
  exists pa. now rewrite Hh.
Qed.

(** Property 6 for a page table held physically by [o]. *)
Lemma valid_phys_table_entry_owned :
  forall o pa ptma m ow va ma,
    phys_of (lookup (hyp s) o) pa = Some ptma ->
    lookup (mem s) ptma = Some (mk_page (PT m) ow) -> lookup m va = Some ma ->
    owned_by s ma (if accessible ctx va then Os o else Hyp).
Proof.
  intros o pa ptma m ow va ma Hpa Hp Hm.
  destruct (valid_phys_owned o pa ptma Hpa) as [pg [Hpg Ho]].
  rewrite Hp in Hpg. injection Hpg as <-. simpl in Ho; subst ow.
  destruct Hvalid as [_ [_ [_ [_ [_ [Hpt _]]]]]]. eauto.
Qed.

Lemma valid_waiting_svc : activity s = Waiting -> exec_mode s = Svc.
Proof. intros Hw. destruct Hvalid as [_ [_ [H _]]]. apply H. auto. Qed.

End Facts.

(** * Serving a hypercall only touches the served guest's entry *)

From VirtualCert Require Import Post MapFacts.

Lemma in_dom_serve :
  forall ctx s o k, in_dom (serve ctx s o) k = in_dom (oss s) k.
Proof.
  intros ctx s o k. unfold serve.
  destruct (lookup (oss s) o) eqn:Hi; auto. eapply in_dom_update_present; eauto.
Qed.

Lemma lookup_serve_other :
  forall ctx s o o', o' <> o -> lookup (serve ctx s o') o = lookup (oss s) o.
Proof.
  intros ctx s o o' Hne. unfold serve.
  destruct (lookup (oss s) o'); auto. now apply lookup_update_neq.
Qed.

Lemma lookup_serve_same :
  forall ctx s o,
    lookup (serve ctx s o) o = option_map (served_info ctx o) (lookup (oss s) o).
Proof.
  intros ctx s o. unfold serve.
  destruct (lookup (oss s) o) eqn:Hi; simpl; auto. apply lookup_update_eq.
Qed.
