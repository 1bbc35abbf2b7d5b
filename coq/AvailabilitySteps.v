(** One-step facts behind availability (FM 2011): how a single transition
    of the semantics with errors can change the activity and the pending
    hypercalls.  Read off [Post]: only [Chmod] hands the CPU back to a
    guest, only [Hcall] makes a hypercall pending, and only the service of
    a pending hypercall clears it. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Valid Pre Post Semantics.

(** No guest has a pending hypercall. *)
Definition no_pending (s : state) : Prop :=
  forall o info, lookup (oss s) o = Some info -> hcall info = None.

(** Guest [o] has no pending hypercall (or is not a guest). *)
Definition not_pending (o : os_ident) (s : state) : Prop :=
  forall info, lookup (oss s) o = Some info -> hcall info = None.

(** [o] is a guest of [s]. *)
Definition has_guest (o : os_ident) (s : state) : Prop :=
  exists info, lookup (oss s) o = Some info.

(** Guest [o] is there and has no pending hypercall. *)
Definition served (o : os_ident) (s : state) : Prop :=
  exists info, lookup (oss s) o = Some info /\ hcall info = None.

(** While a guest runs, no hypercall is pending anywhere.  Under the
    availability hypothesis on [Chmod] this is an invariant of traces. *)
Definition quiet_when_running (s : state) : Prop :=
  activity s = Running -> no_pending s.

(** The action by which the hypervisor serves hypercall [h] of guest [o]. *)
Definition service (o : os_ident) (h : hyper_call) : action :=
  match h with
  | HC_new va pa => New o va pa
  | HC_del va => Del o va
  | HC_lswitch pa => Lswitch o pa
  | HC_pin pa t => Page_pin o pa t
  | HC_unpin pa => Page_unpin o pa
  end.

(** * Serving a hypercall touches only the served guest *)

Lemma lookup_serve :
  forall ctx s o k,
    lookup (serve ctx s o) k =
    if Nat.eqb o k then option_map (served_info ctx o) (lookup (oss s) o)
    else lookup (oss s) k.
Proof.
  intros ctx s o k. unfold serve.
  destruct (lookup (oss s) o) as [info|] eqn:Ho.
  - rewrite lookup_update. destruct (Nat.eqb o k); reflexivity.
  - destruct (Nat.eqb o k) eqn:E; [|reflexivity].
    apply Nat.eqb_eq in E; subst. exact Ho.
Qed.

Lemma lookup_serve_other :
  forall ctx s o k, o <> k -> lookup (serve ctx s o) k = lookup (oss s) k.
Proof.
  intros ctx s o k Hne. rewrite lookup_serve.
  apply Nat.eqb_neq in Hne. now rewrite Hne.
Qed.

(** Serving never makes a hypercall pending: the served guest's stays
    (trusted) or is cleared (untrusted). *)
Lemma serve_pending_was_pending :
  forall ctx s o k info' h,
    lookup (serve ctx s o) k = Some info' -> hcall info' = Some h ->
    exists info, lookup (oss s) k = Some info /\ hcall info = Some h.
Proof.
  intros ctx s o k info' h Hl Hh. rewrite lookup_serve in Hl.
  destruct (Nat.eqb o k) eqn:E; [|eauto].
  apply Nat.eqb_eq in E; subst k.
  destruct (lookup (oss s) o) as [info|]; simpl in Hl; [|discriminate].
  injection Hl as <-. unfold served_info in Hh; simpl in Hh.
  destruct (trusted ctx o); [eauto|discriminate].
Qed.

(** The same for [Lswitch], which also changes the current page table. *)
Lemma served_info_pending_was_pending :
  forall ctx o pa info h,
    hcall (served_info ctx o (mk_os_info pa (hcall info))) = Some h ->
    hcall info = Some h.
Proof.
  intros ctx o pa info h Hh. unfold served_info in Hh; simpl in Hh.
  destruct (trusted ctx o); [exact Hh|discriminate].
Qed.

(** * The gate: a privileged action on a guest with a pending hypercall *)

(** In a valid state, a guest with a pending hypercall [h] is untrusted, so
    the gate lets the hypervisor act on it only for [h] itself. *)
Lemma gate_pending_same_hcall :
  forall ctx s o h h' info,
    valid_state ctx s -> gate ctx s o h' ->
    lookup (oss s) o = Some info -> hcall info = Some h -> h' = h.
Proof.
  intros ctx s o h h' info Hv [_ Hg] Hl Hh.
  destruct Hv as [Htrust _].
  destruct (trusted ctx o) eqn:Ht.
  - rewrite (Htrust o info Hl Ht) in Hh. discriminate.
  - destruct Hg as [_ [info0 [Hl0 Hh0]]].
    rewrite Hl in Hl0. injection Hl0 as <-. congruence.
Qed.

(** * Guests *)

Lemma has_guest_update :
  forall (m : map os_info) k v v' o,
    lookup m k = Some v ->
    (exists i, lookup m o = Some i) -> exists i, lookup (update m k v') o = Some i.
Proof.
  intros m k v v' o Hk [i Hi]. rewrite lookup_update.
  destruct (Nat.eqb k o); eauto.
Qed.

Lemma has_guest_serve :
  forall ctx s o o',
    has_guest o s -> exists i, lookup (serve ctx s o') o = Some i.
Proof.
  intros ctx s o o' [i Hi]. rewrite lookup_serve.
  destruct (Nat.eqb o' o) eqn:E; [|eauto].
  apply Nat.eqb_eq in E; subst o'. rewrite Hi. simpl. eauto.
Qed.

(** No step removes a guest. *)
Lemma exec_keeps_guests :
  forall ctx s a r s' o, exec ctx s a r s' -> has_guest o s -> has_guest o s'.
Proof.
  intros ctx s a r s' o Hexec [i Hi].
  destruct Hexec as [s a s' _ _ Hpost | s a ec _ _ _]; [|exists i; exact Hi].
  unfold has_guest.
  destruct a; simpl in Hpost;
    unfold Post_write, Post_hcall, Post_new, Post_del, Post_table_edit,
      Post_lswitch, Post_switch, Post_ret_ctrl, Post_chmod, Post_page_pin,
      Post_page_unpin in Hpost;
    repeat match goal with
           | H : exists _, _ |- _ => destruct H
           | H : _ /\ _ |- _ => destruct H
           end;
    subst; simpl;
    first [ exists i; exact Hi
          | apply has_guest_serve; exists i; exact Hi
          | eapply has_guest_update; [eassumption | exists i; exact Hi] ].
Qed.

(** * Activity *)

(** The only step that takes the CPU from the hypervisor to a guest is a
    successful [Chmod]. *)
Lemma exec_waiting_to_running_is_chmod :
  forall ctx s a r s',
    exec ctx s a r s' -> activity s = Waiting -> activity s' = Running ->
    a = Chmod /\ r = Ok.
Proof.
  intros ctx s a r s' Hexec Hw Hr.
  destruct Hexec as [s a s' _ _ Hpost | s a ec _ _ _]; [|congruence].
  destruct a; simpl in Hpost;
    unfold Post_write, Post_hcall, Post_new, Post_del, Post_table_edit,
      Post_lswitch, Post_switch, Post_ret_ctrl, Post_page_pin,
      Post_page_unpin in Hpost;
    repeat match goal with
           | H : exists _, _ |- _ => destruct H
           | H : _ /\ _ |- _ => destruct H
           end;
    subst; simpl in Hr; try congruence.
  split; reflexivity.
Qed.

(** A successful [Chmod] leaves the guest table alone. *)
Lemma exec_chmod_keeps_oss :
  forall ctx s r s', exec ctx s Chmod r s' -> oss s' = oss s.
Proof.
  intros ctx s r s' Hexec.
  inversion Hexec; subst; [|reflexivity].
  match goal with H : Post _ _ Chmod _ |- _ => simpl in H; unfold Post_chmod in H end.
  subst. reflexivity.
Qed.

(** * Pending hypercalls *)

(** A hypercall pending after a step was already pending before it, unless
    the step is the active guest's successful [Hcall], which hands the CPU
    to the hypervisor. *)
Lemma pending_hcall_created_only_by_hcall :
  forall ctx s a r s' o info' h,
    exec ctx s a r s' ->
    lookup (oss s') o = Some info' -> hcall info' = Some h ->
    (exists info, lookup (oss s) o = Some info /\ hcall info = Some h) \/
    (a = Hcall h /\ r = Ok /\ o = active_os s /\ activity s' = Waiting).
Proof.
  intros ctx s a r s' o info' h Hexec Hl Hh.
  destruct Hexec as [s a s' _ _ Hpost | s a ec _ _ _]; [|left; eauto].
  destruct a; simpl in Hpost;
    unfold Post_write, Post_hcall, Post_new, Post_del, Post_table_edit,
      Post_lswitch, Post_switch, Post_ret_ctrl, Post_chmod, Post_page_pin,
      Post_page_unpin in Hpost;
    repeat match goal with
           | H : exists _, _ |- _ => destruct H
           | H : _ /\ _ |- _ => destruct H
           end;
    subst; simpl in Hl;
    try (left; eauto using serve_pending_was_pending; fail).
  - (* Hcall *)
    rewrite lookup_update in Hl.
    destruct (Nat.eqb (active_os s) o) eqn:E.
    + apply Nat.eqb_eq in E. injection Hl as <-. simpl in Hh. injection Hh as ->.
      right. auto.
    + left. eauto.
  - (* Lswitch *)
    rewrite lookup_update in Hl.
    destruct (Nat.eqb o0 o) eqn:E.
    + apply Nat.eqb_eq in E; subst o0. injection Hl as <-.
      left. eauto using served_info_pending_was_pending.
    + left. eauto.
Qed.

(** A pending hypercall is cleared only by the hypervisor serving it: a
    step after which guest [o] has no pending hypercall, while it had [h]
    pending before, is the successful service of [h]. *)
Lemma pending_hcall_cleared_only_by_service :
  forall ctx s a r s' o info h,
    exec ctx s a r s' ->
    lookup (oss s) o = Some info -> hcall info = Some h ->
    not_pending o s' ->
    a = service o h /\ r = Ok.
Proof.
  intros ctx s a r s' o info h Hexec Hl Hh Hcleared.
  destruct Hexec as [s a s' Hv Hpre Hpost | s a ec _ _ _];
    [|rewrite (Hcleared info Hl) in Hh; discriminate].
  (* a step that leaves [o]'s entry unchanged cannot have cleared it *)
  assert (Hkept : lookup (oss s') o = lookup (oss s) o -> False).
  { intros Heq. rewrite Hl in Heq. rewrite (Hcleared info Heq) in Hh. discriminate. }
  destruct a; simpl in Hpre, Hpost;
    unfold Pre_new, Pre_del, Pre_lswitch, Pre_page_pin, Pre_page_unpin in Hpre;
    unfold Post_write, Post_hcall, Post_new, Post_del, Post_table_edit,
      Post_lswitch, Post_switch, Post_ret_ctrl, Post_chmod, Post_page_pin,
      Post_page_unpin in Hpost;
    repeat match goal with
           | H : exists _, _ |- _ => destruct H
           | H : _ /\ _ |- _ => destruct H
           end;
    subst; simpl in Hkept, Hcleared;
    try (exfalso; now apply Hkept).
  (* Hcall: the active guest's entry gets a pending hypercall *)
  1: { exfalso. destruct (Nat.eqb (active_os s) o) eqn:E.
       - apply Nat.eqb_eq in E; subst o.
         specialize (Hcleared _ (lookup_update_eq _ _ _)). discriminate.
       - apply Nat.eqb_neq in E. apply Hkept. now apply lookup_update_neq. }
  (* the remaining cases are the five gated actions on some guest [o0] *)
  all: destruct (Nat.eq_dec o0 o) as [Heq|Hne];
    [ subst o0;
      match goal with
      | Hg : gate _ _ _ _ |- _ =>
          pose proof (gate_pending_same_hcall _ _ _ _ _ _ Hv Hg Hl Hh) as Hsame
      end; subst h; split; reflexivity
    | exfalso; apply Hkept;
      first [ now apply lookup_serve_other | now apply lookup_update_neq ] ].
Qed.

(** A pending hypercall stays pending, unchanged, until the step that
    serves it: a guest with [h] pending cannot issue another hypercall,
    since it is not running. *)
Lemma pending_hcall_kept_until_served :
  forall ctx s a r s' o info h,
    exec ctx s a r s' ->
    lookup (oss s) o = Some info -> hcall info = Some h ->
    (exists info', lookup (oss s') o = Some info' /\ hcall info' = Some h) \/
    (a = service o h /\ r = Ok).
Proof.
  intros ctx s a r s' o info h Hexec Hl Hh.
  destruct (exec_keeps_guests _ _ _ _ _ o Hexec (ex_intro _ info Hl)) as [info' Hl'].
  destruct (hcall info') as [h'|] eqn:Hh'.
  - destruct (pending_hcall_created_only_by_hcall _ _ _ _ _ _ _ _ Hexec Hl' Hh')
      as [[info0 [Hl0 Hh0]] | [-> [-> [Ho _]]]].
    + rewrite Hl in Hl0. injection Hl0 as <-. left. exists info'. split; congruence.
    + (* the active guest issued a hypercall, so it was running with none pending *)
      exfalso. inversion Hexec as [s0 a0 s0' Hv Hpre _ | ]; subst.
      destruct Hpre as [Hrun _]. destruct Hv as [_ [Hrun_none _]].
      rewrite (Hrun_none Hrun info Hl) in Hh. discriminate.
  - right. eapply pending_hcall_cleared_only_by_service; try eassumption.
    intros info'' Hl''. rewrite Hl' in Hl''. injection Hl'' as <-. exact Hh'.
Qed.
