(** Worked examples of the executable specification, checked by
    computation.  Every expected result is written by hand from MODEL.md
    section 4, so they document the model and catch a [step] that drifts
    from it.  One success per action, a selection of error codes, and
    [valid_state_b]/[first_invalid] on valid and broken states. *)

From Coq Require Import List.
From VirtualCert Require Import Maps Model Actions Errors Step ValidDec.
Import ListNotations.

(** * The example system *)

(** Address 100 is the hypervisor window; guest 0 is trusted (like dom0),
    guest 1 is not. *)
Definition ctx0 : context := mk_context [100] [0].

(** Neither guest has a pending hypercall; both use physical page 0 as
    their current page table. *)
Definition oss0 : map os_info := (of_list [(0, mk_os_info 0 None); (1, mk_os_info 0 None)]).

(** Guest 0 holds machine pages 0 and 2; guest 1 holds 1, 3, 6 and 7. *)
Definition hyp0 : map (map madd) :=
  (of_list [(0, (of_list [(0, 0); (1, 2)])); (1, (of_list [(0, 1); (1, 3); (2, 6); (3, 7)]))]).

(** Pages 0 and 1 are the guests' page tables: address 1 maps to the
    guest's data page, the window address 100 to the hypervisor's page 5.
    Pages 8 and 4 are free (listed out of order, so "least" is not "first");
    6 is a spare page table of guest 1 and 7 an unmapped page of guest 1. *)
Definition mem0 : map page :=
  (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
   (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
   (2, mk_page (RW (Some 42)) (Os 0));
   (3, mk_page (RW (Some 7)) (Os 1));
   (8, mk_page Other No_Owner);
   (4, mk_page Other No_Owner);
   (5, mk_page (RW (Some 9)) Hyp);
   (6, mk_page (PT Leaf) (Os 1));
   (7, mk_page (RW None) (Os 1))]).

(** Untrusted guest 1 runs, in user mode. *)
Definition s0 : state := mk_state 1 Usr Running oss0 hyp0 mem0.

(** The hypervisor runs on behalf of guest 1 (after [Ret_ctrl]). *)
Definition s_hyp : state := mk_state 1 Svc Waiting oss0 hyp0 mem0.

(** Trusted guest 0 runs, in supervisor mode. *)
Definition s_trusted : state := mk_state 0 Svc Running oss0 hyp0 mem0.

(** The hypervisor runs with hypercall [h] of guest 1 pending. *)
Definition waiting_for (h : hyper_call) : state :=
  mk_state 1 Svc Waiting (of_list [(0, mk_os_info 0 None); (1, mk_os_info 0 (Some h))]) hyp0 mem0.

(** * The example states are valid *)

Example s0_valid : valid_state_b ctx0 s0 = true.
Proof. vm_compute. reflexivity. Qed.

Example s_hyp_valid : valid_state_b ctx0 s_hyp = true.
Proof. vm_compute. reflexivity. Qed.

Example s_trusted_valid : valid_state_b ctx0 s_trusted = true.
Proof. vm_compute. reflexivity. Qed.

Example waiting_for_valid : valid_state_b ctx0 (waiting_for (HC_pin 4 T_PT)) = true.
Proof. vm_compute. reflexivity. Qed.

(** * One success per action *)

(** Guest 1 reads its address 1: page 3 is RW, nothing changes. *)
Example read_ok : step ctx0 s0 (Read 1) = mk_result Ok s0.
Proof. vm_compute. reflexivity. Qed.

(** Guest 1 writes 11 at address 1: page 3 now holds 11, still its own. *)
Example write_ok :
  step ctx0 s0 (Write 1 11) =
  mk_result Ok
    (mk_state 1 Usr Running oss0 hyp0
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 11)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 9)) Hyp);
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page (RW None) (Os 1))])).
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor reads the window address 100 of the active guest. *)
Example read_hyper_ok : step ctx0 s_hyp (Read_hyper 100) = mk_result Ok s_hyp.
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor writes 0 into its own page 5 through the window. *)
Example write_hyper_ok :
  step ctx0 s_hyp (Write_hyper 100 0) =
  mk_result Ok
    (mk_state 1 Svc Waiting oss0 hyp0
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 0)) Hyp);
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page (RW None) (Os 1))])).
Proof. vm_compute. reflexivity. Qed.

(** Untrusted guest 1 asks for a new mapping: the call is pending and the
    hypervisor takes over in supervisor mode. *)
Example hcall_ok :
  step ctx0 s0 (Hcall (HC_new 2 3)) = mk_result Ok (waiting_for (HC_new 2 3)).
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor serves it: address 2 of guest 1's current table (page 1)
    now maps to machine page 7 (its physical page 3); the call is no longer
    pending. *)
Example new_ok :
  step ctx0 (waiting_for (HC_new 2 3)) (New 1 2 3) =
  mk_result Ok
    (mk_state 1 Svc Waiting oss0 hyp0
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5); (2, 7)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 9)) Hyp);
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page (RW None) (Os 1))])).
Proof. vm_compute. reflexivity. Qed.

(** Trusted guest 0 removes address 1 from its own current table itself. *)
Example del_ok :
  step ctx0 s_trusted (Del 0 1) =
  mk_result Ok
    (mk_state 0 Svc Running oss0 hyp0
       (of_list [(0, mk_page (PT (of_list [(100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 9)) Hyp);
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page (RW None) (Os 1))])).
Proof. vm_compute. reflexivity. Qed.

(** Guest 1's current page table becomes its physical page 2 (machine
    page 6, a page table). *)
Example lswitch_ok :
  step ctx0 (waiting_for (HC_lswitch 2)) (Lswitch 1 2) =
  mk_result Ok
    (mk_state 1 Svc Waiting (of_list [(0, mk_os_info 0 None); (1, mk_os_info 2 None)]) hyp0 mem0).
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor switches to guest 0; mode and activity are kept. *)
Example switch_ok :
  step ctx0 s_hyp (Switch 0) = mk_result Ok (mk_state 0 Svc Waiting oss0 hyp0 mem0).
Proof. vm_compute. reflexivity. Qed.

(** Guest 1 gives the CPU back to the hypervisor. *)
Example ret_ctrl_ok : step ctx0 s0 Ret_ctrl = mk_result Ok s_hyp.
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor resumes guest 1, untrusted, so in user mode. *)
Example chmod_ok : step ctx0 s_hyp Chmod = mk_result Ok s0.
Proof. vm_compute. reflexivity. Qed.

(** Pinning a page table at guest 1's physical page 4 takes the least free
    machine page, 4 (not 8, which comes first in the list). *)
Example page_pin_ok :
  step ctx0 (waiting_for (HC_pin 4 T_PT)) (Page_pin 1 4 T_PT) =
  mk_result Ok
    (mk_state 1 Svc Waiting oss0
       (of_list [(0, (of_list [(0, 0); (1, 2)])); (1, (of_list [(0, 1); (1, 3); (2, 6); (3, 7); (4, 4)]))])
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page (PT Leaf) (Os 1));
        (5, mk_page (RW (Some 9)) Hyp);
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page (RW None) (Os 1))])).
Proof. vm_compute. reflexivity. Qed.

(** Unpinning guest 1's physical page 3 (machine page 7, mapped by no
    table) frees and scrubs the page. *)
Example page_unpin_ok :
  step ctx0 (waiting_for (HC_unpin 3)) (Page_unpin 1 3) =
  mk_result Ok
    (mk_state 1 Svc Waiting oss0
       (of_list [(0, (of_list [(0, 0); (1, 2)])); (1, (of_list [(0, 1); (1, 3); (2, 6)]))])
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 9)) Hyp);
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page Other No_Owner)])).
Proof. vm_compute. reflexivity. Qed.

Example silent_ok : step ctx0 s0 Silent = mk_result Ok s0.
Proof. vm_compute. reflexivity. Qed.

(** A state reached by a successful step is valid again. *)
Example page_pin_result_valid :
  valid_state_b ctx0 (result_state (step ctx0 (waiting_for (HC_pin 4 T_PT))
                                      (Page_pin 1 4 T_PT))) = true.
Proof. vm_compute. reflexivity. Qed.

(** * Errors: the first failing condition, state unchanged *)

(** The window address is not the guest's. *)
Example read_window_error : step ctx0 s0 (Read 100) = mk_result (Error No_access_va_os) s0.
Proof. vm_compute. reflexivity. Qed.

(** Address 5 is the guest's but unmapped. *)
Example read_unmapped_error : step ctx0 s0 (Read 5) = mk_result (Error Invalid_vadd) s0.
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor is not running. *)
Example read_hyper_running_error :
  step ctx0 s0 (Read_hyper 100) = mk_result (Error Wrong_os_activity) s0.
Proof. vm_compute. reflexivity. Qed.

(** A trusted guest does its privileged operations itself. *)
Example hcall_trusted_error :
  step ctx0 s_trusted (Hcall (HC_del 1)) = mk_result (Error Trusted_os_hcall) s_trusted.
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor serves untrusted guest 1 only while it runs itself ... *)
Example new_running_error :
  step ctx0 s0 (New 1 2 3) = mk_result (Error Wrong_os_activity) s0.
Proof. vm_compute. reflexivity. Qed.

(** ... and only the hypercall that is pending. *)
Example new_not_requested_error :
  step ctx0 s_hyp (New 1 2 3) = mk_result (Error Wrong_hcall) s_hyp.
Proof. vm_compute. reflexivity. Qed.

(** The guest asked to map the window address. *)
Example new_window_error :
  step ctx0 (waiting_for (HC_new 100 3)) (New 1 100 3) =
  mk_result (Error No_access_va_os) (waiting_for (HC_new 100 3)).
Proof. vm_compute. reflexivity. Qed.

(** Physical page 2 of guest 1 is a page table, not a data page. *)
Example new_page_table_error :
  step ctx0 (waiting_for (HC_new 2 2)) (New 1 2 2) =
  mk_result (Error Wrong_page_type) (waiting_for (HC_new 2 2)).
Proof. vm_compute. reflexivity. Qed.

(** Trusted guest 0 must be the one running to edit its tables. *)
Example del_not_active_error :
  step ctx0 s0 (Del 0 1) = mk_result (Error Not_active_os) s0.
Proof. vm_compute. reflexivity. Qed.

(** Guest 1 holds no physical page 5. *)
Example lswitch_unknown_padd_error :
  step ctx0 (waiting_for (HC_lswitch 5)) (Lswitch 1 5) =
  mk_result (Error Invalid_padd) (waiting_for (HC_lswitch 5)).
Proof. vm_compute. reflexivity. Qed.

Example switch_unknown_os_error :
  step ctx0 s_hyp (Switch 9) = mk_result (Error Unknown_os) s_hyp.
Proof. vm_compute. reflexivity. Qed.

(** The active guest still waits for its hypercall. *)
Example chmod_pending_error :
  step ctx0 (waiting_for (HC_new 2 3)) Chmod =
  mk_result (Error Pending_hcall) (waiting_for (HC_new 2 3)).
Proof. vm_compute. reflexivity. Qed.

(** Physical page 3 of guest 1 is already backed. *)
Example page_pin_in_use_error :
  step ctx0 (waiting_for (HC_pin 3 T_RW)) (Page_pin 1 3 T_RW) =
  mk_result (Error Padd_in_use) (waiting_for (HC_pin 3 T_RW)).
Proof. vm_compute. reflexivity. Qed.

(** The same system without its two free pages. *)
Definition s_full : state :=
  mk_state 1 Svc Waiting (of_list [(0, mk_os_info 0 None); (1, mk_os_info 0 (Some (HC_pin 4 T_RW)))])
    hyp0
    (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
     (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
     (2, mk_page (RW (Some 42)) (Os 0));
     (3, mk_page (RW (Some 7)) (Os 1));
     (5, mk_page (RW (Some 9)) Hyp);
     (6, mk_page (PT Leaf) (Os 1));
     (7, mk_page (RW None) (Os 1))]).

Example page_pin_full_error :
  step ctx0 s_full (Page_pin 1 4 T_RW) = mk_result (Error No_free_memory) s_full.
Proof. vm_compute. reflexivity. Qed.

(** Physical page 0 is guest 1's current page table. *)
Example page_unpin_current_error :
  step ctx0 (waiting_for (HC_unpin 0)) (Page_unpin 1 0) =
  mk_result (Error Page_in_use) (waiting_for (HC_unpin 0)).
Proof. vm_compute. reflexivity. Qed.

(** Physical page 1 (machine page 3) is mapped by guest 1's page table. *)
Example page_unpin_mapped_error :
  step ctx0 (waiting_for (HC_unpin 1)) (Page_unpin 1 1) =
  mk_result (Error Page_in_use) (waiting_for (HC_unpin 1)).
Proof. vm_compute. reflexivity. Qed.

(** * [first_invalid] names the first broken property *)

(** Trusted guest 0 has a pending hypercall (property 1). *)
Example broken_trusted_hcall :
  first_invalid ctx0
    (mk_state 1 Usr Running (of_list [(0, mk_os_info 0 (Some (HC_del 1))); (1, mk_os_info 0 None)])
       hyp0 mem0) = Some Trusted_no_hcall.
Proof. vm_compute. reflexivity. Qed.

(** Guest 1 runs with a pending hypercall (property 2). *)
Example broken_running_hcall :
  first_invalid ctx0
    (mk_state 1 Usr Running (of_list [(0, mk_os_info 0 None); (1, mk_os_info 0 (Some (HC_del 1)))])
       hyp0 mem0) = Some Running_no_hcall.
Proof. vm_compute. reflexivity. Qed.

(** The hypervisor runs in user mode (property 3). *)
Example broken_hyp_user_mode :
  first_invalid ctx0 (mk_state 1 Usr Waiting oss0 hyp0 mem0) = Some Svc_when_privileged.
Proof. vm_compute. reflexivity. Qed.

(** Untrusted guest 1 runs in supervisor mode (property 4). *)
Example broken_untrusted_svc :
  first_invalid ctx0 (mk_state 1 Svc Running oss0 hyp0 mem0) = Some Usr_when_untrusted.
Proof. vm_compute. reflexivity. Qed.

(** Guest 1's physical pages 1 and 3 share machine page 3 (property 5). *)
Example broken_not_injective :
  first_invalid ctx0
    (mk_state 1 Usr Running oss0
       (of_list [(0, (of_list [(0, 0); (1, 2)])); (1, (of_list [(0, 1); (1, 3); (2, 6); (3, 3)]))]) mem0)
  = Some Hyp_maps_owned.
Proof. vm_compute. reflexivity. Qed.

(** The window address maps to a page guest 1 owns (property 6). *)
Example broken_window_page :
  first_invalid ctx0
    (mk_state 1 Usr Running oss0 hyp0
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 9)) (Os 1));
        (6, mk_page (PT Leaf) (Os 1));
        (7, mk_page (RW None) (Os 1))]))
  = Some Page_tables_owned.
Proof. vm_compute. reflexivity. Qed.

(** The active guest 9 does not exist (property 7). *)
Example broken_unknown_active :
  first_invalid ctx0 (mk_state 9 Usr Running oss0 hyp0 mem0) = Some Os_tables_exist.
Proof. vm_compute. reflexivity. Qed.

(** Guest 1's spare table maps address 5 to its page 9, which it holds
    in no physical map (property 8). *)
Example broken_unbacked_mapping :
  first_invalid ctx0
    (mk_state 1 Usr Running oss0 hyp0
       (of_list [(0, mk_page (PT (of_list [(1, 2); (100, 5)])) (Os 0));
        (1, mk_page (PT (of_list [(1, 3); (100, 5)])) (Os 1));
        (2, mk_page (RW (Some 42)) (Os 0));
        (3, mk_page (RW (Some 7)) (Os 1));
        (8, mk_page Other No_Owner);
        (4, mk_page Other No_Owner);
        (5, mk_page (RW (Some 9)) Hyp);
        (6, mk_page (PT (of_list [(5, 9)])) (Os 1));
        (7, mk_page (RW None) (Os 1));
        (9, mk_page (RW None) (Os 1))]))
  = Some Accessible_mappings_physical.
Proof. vm_compute. reflexivity. Qed.
