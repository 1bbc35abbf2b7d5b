(** Where MODEL.md's step-consistency claim on responses fails.  MODEL.md
    says an [o]-action gets the same response in two valid [o]-equivalent
    states, except [Page_pin]'s [No_free_memory].  Three more actions can
    succeed in one state and fail in the other, because what they check is
    outside [o]'s view:
    - [Read_hyper]/[Write_hyper]: the mapping of a hypervisor-window address
      (window entries are left out of the view);
    - [Page_unpin]: "no page table owned by [o] maps the page" also looks at
      page tables owned by [o] that are not in [o]'s physical map (valid
      states allow such pages).
    Each example gives two valid [o]-equivalent states, the action is an
    [o]-action in both, and [step] answers [Ok] in one and an error in the
    other.  What does hold is [os_action_pre_agree] (UnwindingResponse.v)
    for all other actions, and [step_consistent] for all actions. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model Actions Errors Valid ErrorMsg Semantics Step ValidDec ValidRefl StepSound.
From VirtualCert Require Import OsEquiv OsAction UnwindingStep UnwindingResponse.
Import ListNotations.

(** Guest 0 is untrusted; virtual address 9 is the hypervisor window. *)
Definition cx_ctx : context := mk_context [9] [].

(** A state where guest 0 is active; physical page 0 holds the page table
    [table] (machine 10), physical page 1 an RW page (machine 11); [extra]
    are pages outside guest 0's physical map. *)
Definition cx_state_with (act : os_activity) (md : mode) (h : option hyper_call)
    (table : map madd) (extra : list (nat * page)) : state :=
  mk_state 0 md act
    (of_list [(0, mk_os_info 0 h)])
    (of_list [(0, of_list [(0, 10); (1, 11)])])
    (of_list ([(10, mk_page (PT table) (Os 0)); (11, mk_page (RW (Some 5)) (Os 0))] ++ extra)).

(** The hypervisor runs. *)
Definition cx_state : option hyper_call -> map madd -> list (nat * page) -> state :=
  cx_state_with Waiting Svc.

(** Two such states whose page tables agree on accessible addresses are
    [o]-equivalent, whatever their extra pages. *)
Lemma cx_equiv_with :
  forall act md h t1 t2 e1 e2,
    (forall va, accessible cx_ctx va = true -> lookup t1 va = lookup t2 va) ->
    os_equiv cx_ctx 0 (cx_state_with act md h t1 e1) (cx_state_with act md h t2 e2).
Proof.
  intros act md h t1 t2 e1 e2 Ht. split.
  - split; [|split; [|split]]; simpl; auto; tauto.
  - intros pa. unfold memory_equiv, cx_state_with, phys_of. cbn [hyp mem].
    rewrite !lookup_of_list. cbn [alookup Nat.eqb]. rewrite !lookup_of_list.
    destruct pa as [|[|pa]]; cbn [alookup Nat.eqb]; rewrite ?lookup_of_list; simpl; auto.
    split; auto. intros va pa' Hacc. unfold pt_entry. rewrite (Ht va Hacc). tauto.
Qed.

Lemma cx_equiv :
  forall h t1 t2 e1 e2,
    (forall va, accessible cx_ctx va = true -> lookup t1 va = lookup t2 va) ->
    os_equiv cx_ctx 0 (cx_state h t1 e1) (cx_state h t2 e2).
Proof. intros. now apply cx_equiv_with. Qed.

(** Only accessible entries of a table are seen. *)
Lemma cx_window_only :
  forall va, accessible cx_ctx va = true ->
    lookup (of_list [(1, 11); (9, 20)]) va = lookup (of_list [(1, 11)]) va.
Proof.
  intros va Hacc. rewrite !lookup_of_list. simpl.
  destruct (Nat.eqb va 1); auto.
  destruct (Nat.eqb va 9) eqn:E; auto.
  apply Nat.eqb_eq in E. subst. discriminate Hacc.
Qed.

(** ** [Read_hyper] and [Write_hyper]: the window mapping is invisible *)

Definition hyper_page : list (nat * page) := [(20, mk_page (RW (Some 7)) Hyp)].
Definition rh_s1 : state := cx_state None (of_list [(1, 11); (9, 20)]) hyper_page.
Definition rh_s2 : state := cx_state None (of_list [(1, 11)]) hyper_page.

Example read_hyper_response_differs :
  valid_state cx_ctx rh_s1 /\ valid_state cx_ctx rh_s2 /\ os_equiv cx_ctx 0 rh_s1 rh_s2 /\
  os_action cx_ctx rh_s1 (Read_hyper 9) 0 /\ os_action cx_ctx rh_s2 (Read_hyper 9) 0 /\
  response (step cx_ctx rh_s1 (Read_hyper 9)) = Ok /\
  response (step cx_ctx rh_s2 (Read_hyper 9)) = Error Invalid_vadd /\
  response (step cx_ctx rh_s1 (Write_hyper 9 1)) = Ok /\
  response (step cx_ctx rh_s2 (Write_hyper 9 1)) = Error Invalid_vadd.
Proof.
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply cx_equiv; exact cx_window_only|].
  split; [right; split; reflexivity|].
  split; [right; split; reflexivity|].
  repeat split; vm_compute; reflexivity.
Qed.

(** ** [Page_unpin]: a page table of [o] outside its physical map *)

(** Machine page 40 is a page table owned by guest 0 but not in its
    physical map; it maps address 1 to physical page 1's machine page. *)
Definition orphan_table : list (nat * page) := [(40, mk_page (PT (of_list [(1, 11)])) (Os 0))].
Definition un_s1 : state := cx_state (Some (HC_unpin 1)) Leaf [].
Definition un_s2 : state := cx_state (Some (HC_unpin 1)) Leaf orphan_table.

Example page_unpin_response_differs :
  valid_state cx_ctx un_s1 /\ valid_state cx_ctx un_s2 /\ os_equiv cx_ctx 0 un_s1 un_s2 /\
  os_action cx_ctx un_s1 (Page_unpin 0 1) 0 /\ os_action cx_ctx un_s2 (Page_unpin 0 1) 0 /\
  response (step cx_ctx un_s1 (Page_unpin 0 1)) = Ok /\
  response (step cx_ctx un_s2 (Page_unpin 0 1)) = Error Page_in_use.
Proof.
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply cx_equiv; reflexivity|].
  split; [right; split; [reflexivity|split; reflexivity]|].
  split; [right; split; [reflexivity|split; reflexivity]|].
  split; vm_compute; reflexivity.
Qed.

(** ** [Page_pin]: free memory depends on the other guests (MODEL.md) *)

Definition pin_s1 : state := cx_state (Some (HC_pin 2 T_RW)) Leaf [(30, mk_page Other No_Owner)].
Definition pin_s2 : state := cx_state (Some (HC_pin 2 T_RW)) Leaf [(30, mk_page Other Hyp)].

Example page_pin_response_differs :
  valid_state cx_ctx pin_s1 /\ valid_state cx_ctx pin_s2 /\ os_equiv cx_ctx 0 pin_s1 pin_s2 /\
  os_action cx_ctx pin_s1 (Page_pin 0 2 T_RW) 0 /\ os_action cx_ctx pin_s2 (Page_pin 0 2 T_RW) 0 /\
  response (step cx_ctx pin_s1 (Page_pin 0 2 T_RW)) = Ok /\
  response (step cx_ctx pin_s2 (Page_pin 0 2 T_RW)) = Error No_free_memory.
Proof.
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply cx_equiv; reflexivity|].
  split; [right; split; [reflexivity|split; reflexivity]|].
  split; [right; split; [reflexivity|split; reflexivity]|].
  split; vm_compute; reflexivity.
Qed.

(** ** The relational error codes of [Read]: [ErrorMsg] sees the window

    [Read 9] by guest 0 fails in both states with [No_access_va_os] from
    [step] (as [step_response_agree] says), but [ErrorMsg], which admits
    the code of every failing condition, also admits [Invalid_vadd] where
    the window address is unmapped, and only there.  So the sets of
    responses [exec] allows differ even for a [Read]. *)

Definition rd_s1 : state := cx_state_with Running Usr None (of_list [(1, 11); (9, 20)]) hyper_page.
Definition rd_s2 : state := cx_state_with Running Usr None (of_list [(1, 11)]) hyper_page.

Example read_window_error_codes_differ :
  valid_state cx_ctx rd_s1 /\ valid_state cx_ctx rd_s2 /\ os_equiv cx_ctx 0 rd_s1 rd_s2 /\
  os_action cx_ctx rd_s1 (Read 9) 0 /\ os_action cx_ctx rd_s2 (Read 9) 0 /\
  response (step cx_ctx rd_s1 (Read 9)) = Error No_access_va_os /\
  response (step cx_ctx rd_s2 (Read 9)) = Error No_access_va_os /\
  ~ ErrorMsg cx_ctx rd_s1 (Read 9) Invalid_vadd /\ ErrorMsg cx_ctx rd_s2 (Read 9) Invalid_vadd.
Proof.
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply valid_state_b_iff; vm_compute; reflexivity|].
  split; [apply cx_equiv_with; exact cx_window_only|].
  split; [left; repeat split|].
  split; [left; repeat split|].
  split; [vm_compute; reflexivity|]. split; [vm_compute; reflexivity|].
  split.
  - intros [[_ E]|[[_ E]|[[Hn _]|[_ E]]]]; try discriminate. exact (Hn 20 eq_refl).
  - right. right. left. split; [|reflexivity]. intros ma H. discriminate H.
Qed.

(** Hence the unrestricted claim is false: agreement of responses needs
    [view_determined]. *)
Theorem response_agreement_fails :
  ~ (forall ctx o s1 s2 a,
       valid_state ctx s1 -> valid_state ctx s2 -> os_equiv ctx o s1 s2 ->
       os_action ctx s1 a o -> os_action ctx s2 a o ->
       (response (step ctx s1 a) = Ok <-> response (step ctx s2 a) = Ok)).
Proof.
  intros H.
  destruct read_hyper_response_differs as [Hv1 [Hv2 [Heq [Ho1 [Ho2 [Hr1 [Hr2 _]]]]]]].
  pose proof (H _ _ _ _ _ Hv1 Hv2 Heq Ho1 Ho2) as [Hok _].
  rewrite Hr2 in Hok. discriminate (Hok Hr1).
Qed.

(** The same in the semantics with errors: [step_consistent_response]
    cannot drop its [view_determined] hypothesis. *)
Theorem response_agreement_fails_exec :
  ~ (forall ctx o s1 s2 a r1 r2 s1' s2',
       os_equiv ctx o s1 s2 -> os_action ctx s1 a o -> os_action ctx s2 a o ->
       exec ctx s1 a r1 s1' -> exec ctx s2 a r2 s2' -> (r1 = Ok <-> r2 = Ok)).
Proof.
  intros H.
  destruct read_hyper_response_differs as [Hv1 [Hv2 [Heq [Ho1 [Ho2 [Hr1 [Hr2 _]]]]]]].
  pose proof (step_sound cx_ctx rh_s1 Hv1 (Read_hyper 9)) as Hx1.
  pose proof (step_sound cx_ctx rh_s2 Hv2 (Read_hyper 9)) as Hx2.
  rewrite Hr1 in Hx1. rewrite Hr2 in Hx2.
  destruct (H _ _ _ _ _ _ _ _ _ Heq Ho1 Ho2 Hx1 Hx2) as [Hok _].
  discriminate (Hok eq_refl).
Qed.
