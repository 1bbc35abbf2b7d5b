(** Soundness of the executable specification (TYPES 2013): from a valid
    state, [step] answers [Ok] with a state satisfying [Post] when [Pre]
    holds, and otherwise an error code admitted by [ErrorMsg] with the state
    unchanged; hence every step is a transition of [exec].  [Page_pin] takes
    the least free page, one refinement of [Post_page_pin]'s "any free page".
    Conversely every [exec] transition other than a [Page_pin] success is
    the one [step] takes, up to the choice of error code. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import
  Maps Model Actions Errors Valid Pre Post ErrorMsg Semantics Step PreRefl.

Section StepSound.
Variable ctx : context.
Variable s : state.

(** * What validity provides to [effect] *)

(** Validity (property 7) gives every known guest a physical map and a
    current page table of its own; [effect] needs both for the privileged
    actions, which is why [effect_post] assumes a valid state. *)
Lemma valid_guest_table :
  valid_state ctx s ->
  forall o info, lookup (oss s) o = Some info ->
  exists pm ptma m,
    lookup (hyp s) o = Some pm /\ cpt s o = Some ptma /\
    lookup (mem s) ptma = Some (mk_page (PT m) (Os o)).
Proof.
  intros (_ & _ & _ & _ & _ & _ & [Htab _] & _) o info Hl.
  destruct (Htab o info Hl) as (pm & ma & m & Hh & Hp & Hm).
  exists pm, ma, m. unfold cpt. rewrite Hl, Hh. auto.
Qed.

Lemma valid_active_known :
  valid_state ctx s -> exists info, lookup (oss s) (active_os s) = Some info.
Proof. intros (_ & _ & _ & _ & _ & _ & (_ & Hact & _) & _). exact Hact. Qed.

(** * Each action's effect meets its postcondition *)

Lemma table_edit_post :
  forall o f ptma m ow,
    cpt s o = Some ptma -> lookup (mem s) ptma = Some (mk_page (PT m) ow) ->
    Post_table_edit ctx s o f (table_edit ctx s o f).
Proof.
  intros o f ptma m ow Hc Hm. unfold table_edit, Post_table_edit.
  rewrite Hc, Hm. exists ptma, m, ow. repeat split; assumption.
Qed.

(** A guest known to [oss] has a current page table to edit. *)
Lemma table_edit_post_known :
  valid_state ctx s -> forall o f info, lookup (oss s) o = Some info ->
  Post_table_edit ctx s o f (table_edit ctx s o f).
Proof.
  intros Hv o f info Hi.
  destruct (valid_guest_table Hv o info Hi) as (_ & ptma & m & _ & Hc & Hm).
  eapply table_edit_post; eauto.
Qed.

Lemma write_effect_post :
  forall va v,
    (exists ma, va_mapped_to_ma s va ma /\ rw_page s ma) ->
    Post_write s va v (write_effect s va v).
Proof.
  intros va v (ma & Hm & v' & ow & Hp). unfold write_effect, Post_write.
  unfold va_mapped_to_ma in Hm. rewrite Hm, Hp. eauto.
Qed.

Theorem effect_post :
  valid_state ctx s -> forall a, Pre ctx s a -> Post ctx s a (effect ctx s a).
Proof.
  intros Hv [] Hpre; cbn [Pre Post effect] in *.
  - (* Read *) reflexivity.
  - (* Write *) apply write_effect_post. apply Hpre.
  - (* Read_hyper *) reflexivity.
  - (* Write_hyper *) apply write_effect_post. apply Hpre.
  - (* Hcall *)
    destruct (valid_active_known Hv) as [info Hi]. rewrite Hi. unfold Post_hcall. eauto.
  - (* New *)
    destruct Hpre as ([[info Hi] _] & _ & ma & (pm & Hh & Hp) & _).
    unfold physical_page. rewrite Hh, Hp. unfold Post_new.
    exists pm, ma. split; [exact Hh | split; [exact Hp|]].
    eapply table_edit_post_known; eauto.
  - (* Del *)
    destruct Hpre as ([[info Hi] _] & _).
    eapply table_edit_post_known; eauto.
  - (* Lswitch *)
    destruct Hpre as ([[info Hi] _] & _). rewrite Hi. unfold Post_lswitch. eauto.
  - (* Switch *) reflexivity.
  - (* Ret_ctrl *) reflexivity.
  - (* Chmod *) reflexivity.
  - (* Page_pin *)
    destruct Hpre as ([[info Hi] _] & _ & ma & Hf).
    destruct (least_free_page s) as [ma'|] eqn:E.
    2: { exfalso. now apply least_free_page_none with (ma := ma) in E. }
    apply least_free_page_some in E as [Hf' _].
    destruct (valid_guest_table Hv o info Hi) as (pm & _ & _ & Hh & _).
    unfold pin_effect. rewrite Hh. unfold Post_page_pin. eauto.
  - (* Page_unpin *)
    destruct Hpre as (_ & ma & (pm & Hh & Hp) & _). rewrite Hh, Hp.
    unfold Post_page_unpin. eauto.
  - (* Silent *) reflexivity.
Qed.

(** * Soundness of [step] *)

Lemma step_response_ok_iff : forall a, response (step ctx s a) = Ok <-> Pre ctx s a.
Proof.
  intros a. rewrite <- pre_error_none_iff. unfold step.
  destruct (pre_error ctx s a); simpl; split; congruence.
Qed.

(** Error answers need no validity: [pre_error] is exact on every state. *)
Theorem step_error_sound :
  forall a, ~ Pre ctx s a ->
  exists ec, step ctx s a = mk_result (Error ec) s /\ ErrorMsg ctx s a ec.
Proof.
  intros a Hn. unfold step. destruct (pre_error ctx s a) as [ec|] eqn:E.
  - exists ec. split; [reflexivity|]. now apply pre_error_some_errormsg.
  - exfalso. apply Hn. now apply pre_error_none_iff.
Qed.

Theorem step_ok_sound :
  valid_state ctx s -> forall a, Pre ctx s a ->
  response (step ctx s a) = Ok /\ Post ctx s a (result_state (step ctx s a)).
Proof.
  intros Hv a Hpre. unfold step.
  destruct (pre_error ctx s a) eqn:E.
  - exfalso. apply pre_error_none_iff in Hpre. congruence.
  - split; [reflexivity|]. now apply effect_post.
Qed.

Theorem step_sound :
  valid_state ctx s ->
  forall a, exec ctx s a (response (step ctx s a)) (result_state (step ctx s a)).
Proof.
  intros Hv a. destruct (pre_b ctx s a) eqn:Hb.
  - apply pre_b_iff in Hb. destruct (step_ok_sound Hv a Hb) as [Hr Hp].
    rewrite Hr. now apply exec_ok.
  - assert (Hn : ~ Pre ctx s a) by (rewrite <- pre_b_iff, Hb; discriminate).
    destruct (step_error_sound a Hn) as (ec & Hs & Hm).
    rewrite Hs. simpl. now apply exec_error.
Qed.

(** [Page_pin] takes the least free page: it is free, no free page is
    smaller, and the new state is [Post_page_pin]'s with that page. *)
Theorem step_page_pin_least :
  valid_state ctx s -> forall o pa t,
  response (step ctx s (Page_pin o pa t)) = Ok ->
  exists ma pm,
    free s ma /\ (forall ma', free s ma' -> ma <= ma') /\
    lookup (hyp s) o = Some pm /\
    result_state (step ctx s (Page_pin o pa t)) =
      mk_state (active_os s) (exec_mode s) (activity s)
        (serve ctx s o) (update (hyp s) o (update pm pa ma))
        (update (mem s) ma (newpage t o)).
Proof.
  intros Hv o pa t Hok. apply step_response_ok_iff in Hok as Hpre.
  destruct Hpre as ([[info Hi] _] & _ & ma0 & Hf0).
  destruct (valid_guest_table Hv o info Hi) as (pm & _ & _ & Hh & _).
  unfold step in *. destruct (pre_error ctx s (Page_pin o pa t)); [discriminate|].
  simpl. unfold pin_effect. destruct (least_free_page s) as [ma|] eqn:E.
  - apply least_free_page_some in E as [Hf Hmin]. rewrite Hh.
    exists ma, pm. split; [exact Hf | split; [exact Hmin | split; reflexivity]].
  - exfalso. now apply least_free_page_none with (ma := ma0) in E.
Qed.

(** * Determinism and the converse direction *)

(** Every postcondition but [Page_pin]'s fixes the next state. *)
Theorem post_deterministic :
  forall a s1 s2, (forall o pa t, a <> Page_pin o pa t) ->
  Post ctx s a s1 -> Post ctx s a s2 -> s1 = s2.
Proof.
  intros [] s1 s2 Hnp H1 H2; cbn [Post] in *;
    unfold Post_write, Post_hcall, Post_new, Post_del, Post_table_edit, Post_lswitch,
      Post_switch, Post_ret_ctrl, Post_chmod, Post_page_unpin, va_mapped_to_ma in *;
    repeat match goal with
           | H : exists _, _ |- _ => destruct H
           | H : _ /\ _ |- _ => destruct H
           end;
    subst; try congruence.
  exfalso. eapply Hnp. reflexivity.
Qed.

Lemma exec_ok_error_exclusive :
  forall a s1 s2 ec, exec ctx s a Ok s1 -> ~ exec ctx s a (Error ec) s2.
Proof.
  intros a s1 s2 ec H1 H2. inversion H1; subst. inversion H2; subst. contradiction.
Qed.

(** A successful transition of the semantics is the step [step] takes,
    except for [Page_pin], where [step] picks one of the free pages. *)
Theorem exec_ok_step :
  forall a s', (forall o pa t, a <> Page_pin o pa t) ->
  exec ctx s a Ok s' -> step ctx s a = mk_result Ok s'.
Proof.
  intros a s' Hnp H. inversion H as [s0 a0 s0' Hv Hpre Hpost|]; subst.
  destruct (step_ok_sound Hv a Hpre) as [Hr Hp].
  rewrite (post_deterministic a s' (result_state (step ctx s a)) Hnp Hpost Hp).
  destruct (step ctx s a); simpl in *. now subst.
Qed.

End StepSound.

(** A failing transition leaves the state unchanged and [step] fails too
    (possibly naming another failed condition: [ErrorMsg] admits several). *)
Theorem exec_error_step :
  forall ctx s a ec s', exec ctx s a (Error ec) s' ->
  s' = s /\ exists ec', step ctx s a = mk_result (Error ec') s /\ ErrorMsg ctx s a ec'.
Proof.
  intros ctx s a ec s' H. inversion H as [|s0 a0 ec0 Hv Hn Hm]; subst.
  split; [reflexivity|]. now apply step_error_sound.
Qed.
