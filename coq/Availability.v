(** Availability (FM 2011; MODEL.md section 6): on a run where the
    hypervisor hands the CPU back ([Chmod]) only when no hypercall is
    pending, and guests regain the CPU infinitely often, every pending
    hypercall is eventually served.

    Two fairness readings are proved.  [availability] takes MODEL.md's
    "always eventually [activity = Running]" and needs the run to start in
    a state where no hypercall is pending while a guest runs
    ([quiet_when_running]); without it the theorem is false (see
    AvailabilityCounterexample.v).  [availability_handback] reads "regain
    the CPU" as the transition from the hypervisor to a guest and needs no
    assumption on the first state. *)

From VirtualCert Require Import Maps Model Actions Errors Semantics.
From VirtualCert Require Import AvailabilitySteps AvailabilityTraces.

(** (i) Each successful [Chmod] of the trace starts where no hypercall is
    pending. *)
Definition chmod_only_when_quiet (t : inf_trace) : Prop :=
  match t with Tcons s a r _ => a = Chmod -> r = Ok -> no_pending s end.

Definition guest_running (s : state) : Prop := activity s = Running.

(** The first step of the trace hands the CPU from the hypervisor to a
    guest. *)
Definition hands_back (t : inf_trace) : Prop :=
  match t with
  | Tcons s _ _ rest => activity s = Waiting /\ activity (first_state rest) = Running
  end.

(** The conclusion, at the first state of a trace: each hypercall pending
    there is eventually served. *)
Definition pending_eventually_served (t : inf_trace) : Prop :=
  forall o info h,
    lookup (oss (first_state t)) o = Some info -> hcall info = Some h ->
    eventually (now (served o)) t.

(** * The invariant: no hypercall is pending while a guest runs *)

(** A guest that is there and has nothing pending is served. *)
Lemma no_pending_served :
  forall o s, no_pending s -> has_guest o s -> served o s.
Proof. intros o s Hnone [info Hl]. exists info. split; [exact Hl | exact (Hnone o info Hl)]. Qed.

(** One step keeps [quiet_when_running], given hypothesis (i) on it: a
    guest regains the CPU only through [Chmod], which (i) allows only when
    nothing is pending, and while a guest runs only [Hcall] makes a
    hypercall pending, and it gives the CPU to the hypervisor. *)
Lemma exec_preserves_quiet_when_running :
  forall ctx s a r s',
    exec ctx s a r s' -> (a = Chmod -> r = Ok -> no_pending s) ->
    quiet_when_running s -> quiet_when_running s'.
Proof.
  intros ctx s a r s' Hexec Hchmod Hquiet Hrun' o info' Hl'.
  destruct (hcall info') as [h|] eqn:Hh; [exfalso|reflexivity].
  destruct (pending_hcall_created_only_by_hcall _ _ _ _ _ _ _ _ Hexec Hl' Hh)
    as [[info [Hl Hhs]] | [_ [_ [_ Hwait]]]]; [|congruence].
  destruct (activity s) eqn:Hact.
  - rewrite (Hquiet Hact o info Hl) in Hhs. discriminate.
  - destruct (exec_waiting_to_running_is_chmod _ _ _ _ _ Hexec Hact Hrun')
      as [-> ->].
    rewrite (Hchmod eq_refl eq_refl o info Hl) in Hhs. discriminate.
Qed.

Lemma quiet_when_running_always :
  forall ctx t,
    run ctx t -> always chmod_only_when_quiet t ->
    quiet_when_running (first_state t) -> always (now quiet_when_running) t.
Proof.
  intros ctx t. apply always_invariant.
  intros s a r t' Hexec Hchmod. eapply exec_preserves_quiet_when_running; eauto.
Qed.

(** A guest of the first state stays a guest along the whole run. *)
Lemma has_guest_always :
  forall ctx o t, run ctx t -> has_guest o (first_state t) -> always (now (has_guest o)) t.
Proof.
  intros ctx o t. apply run_invariant.
  intros s a r s'. apply exec_keeps_guests.
Qed.

(** * Availability *)

Theorem availability :
  forall ctx t,
    run ctx t ->
    always chmod_only_when_quiet t ->
    always (eventually (now guest_running)) t ->
    quiet_when_running (first_state t) ->
    always pending_eventually_served t.
Proof.
  intros ctx t Hrun Hchmod Hfair Hstart.
  pose proof (quiet_when_running_always _ _ Hrun Hchmod Hstart) as Hquiet.
  pose proof (run_always _ _ Hrun) as Hruns.
  clear Hrun Hchmod Hstart. revert t Hfair Hquiet Hruns.
  cofix CH. intros [s a r t] Hfair Hquiet Hruns.
  constructor.
  - intros o info h Hl _.
    pose proof (has_guest_always ctx o _ (always_now _ _ Hruns) (ex_intro _ info Hl))
      as Hguest.
    eapply eventually_with_always;
      [| exact (always_and _ _ _ Hquiet Hguest) | apply always_now; exact Hfair].
    intros t' [Hq Hg] Hr. apply no_pending_served; [exact (Hq Hr) | exact Hg].
  - apply CH; eapply always_rest; eassumption.
Qed.

(** A hand-back step starts where nothing is pending, since it is a
    successful [Chmod]. *)
Lemma hands_back_no_pending :
  forall ctx t,
    run ctx t -> chmod_only_when_quiet t -> hands_back t -> no_pending (first_state t).
Proof.
  intros ctx [s a r t] Hrun Hchmod [Hw Hr].
  inversion Hrun as [s' a' r' t' Hexec _ E]; subst.
  destruct (exec_waiting_to_running_is_chmod _ _ _ _ _ Hexec Hw Hr) as [-> ->].
  exact (Hchmod eq_refl eq_refl).
Qed.

Theorem availability_handback :
  forall ctx t,
    run ctx t ->
    always chmod_only_when_quiet t ->
    always (eventually hands_back) t ->
    always pending_eventually_served t.
Proof.
  intros ctx t Hrun Hchmod Hfair.
  pose proof (run_always _ _ Hrun) as Hruns. clear Hrun.
  revert t Hfair Hchmod Hruns.
  cofix CH. intros [s a r t] Hfair Hchmod Hruns.
  constructor.
  - intros o info h Hl _.
    pose proof (has_guest_always ctx o _ (always_now _ _ Hruns) (ex_intro _ info Hl))
      as Hguest.
    eapply eventually_with_always;
      [| exact (always_and _ _ _ (always_and _ _ _ Hruns Hchmod) Hguest)
       | apply always_now; exact Hfair].
    intros t' [[Hrun' Hchmod'] Hg] Hback.
    apply no_pending_served; [eapply hands_back_no_pending; eassumption | exact Hg].
  - apply CH; eapply always_rest; eassumption.
Qed.

(** * Served by the hypervisor executing that very hypercall *)

(** The first step of the trace is the successful service of [o]'s [h]. *)
Definition serves (o : os_ident) (h : hyper_call) (t : inf_trace) : Prop :=
  match t with Tcons _ a r _ => a = service o h /\ r = Ok end.

Definition pending_eventually_serviced (t : inf_trace) : Prop :=
  forall o info h,
    lookup (oss (first_state t)) o = Some info -> hcall info = Some h ->
    eventually (serves o h) t.

(** Along a run, a pending hypercall that eventually stops being pending is
    eventually served by the step that executes it. *)
Lemma eventually_served_by_service :
  forall ctx o info h t,
    run ctx t -> lookup (oss (first_state t)) o = Some info -> hcall info = Some h ->
    eventually (now (served o)) t -> eventually (serves o h) t.
Proof.
  intros ctx o info h t Hrun Hl Hh Hev. revert info Hrun Hl Hh.
  induction Hev as [t Hs | s a r t _ IH]; intros info Hrun Hl Hh.
  - exfalso. destruct Hs as [info' [Hl' Hnone]].
    rewrite Hl in Hl'. injection Hl' as <-. congruence.
  - inversion Hrun as [s0 a0 r0 t0 Hexec Hrun' E]; subst. simpl in Hl.
    destruct (pending_hcall_kept_until_served _ _ _ _ _ _ _ _ Hexec Hl Hh)
      as [[info' [Hl' Hh']] | Hserve].
    + apply eventually_later. eapply IH; eassumption.
    + apply eventually_now. exact Hserve.
Qed.

Lemma pending_eventually_serviced_of_served :
  forall ctx t,
    always (run ctx) t -> always pending_eventually_served t ->
    always pending_eventually_serviced t.
Proof.
  intros ctx t Hruns Hserved.
  eapply always_impl; [| exact (always_and _ _ _ Hruns Hserved)].
  intros t' [Hrun Hev] o info h Hl Hh.
  eapply eventually_served_by_service; [exact Hrun | exact Hl | exact Hh |].
  exact (Hev o info h Hl Hh).
Qed.

(** [availability], strengthened: the hypervisor eventually executes each
    pending hypercall itself, successfully. *)
Theorem availability_by_service :
  forall ctx t,
    run ctx t ->
    always chmod_only_when_quiet t ->
    always (eventually (now guest_running)) t ->
    quiet_when_running (first_state t) ->
    always pending_eventually_serviced t.
Proof.
  intros ctx t Hrun Hchmod Hfair Hstart.
  apply (pending_eventually_serviced_of_served ctx); [now apply run_always|].
  eapply availability; eassumption.
Qed.

Theorem availability_handback_by_service :
  forall ctx t,
    run ctx t ->
    always chmod_only_when_quiet t ->
    always (eventually hands_back) t ->
    always pending_eventually_serviced t.
Proof.
  intros ctx t Hrun Hchmod Hfair.
  apply (pending_eventually_serviced_of_served ctx); [now apply run_always|].
  eapply availability_handback; eassumption.
Qed.
