(** The axiomatic error relation (TYPES 2013): [ErrorMsg ctx s a ec] holds
    when [ec] names a condition of [Pre ctx s a] that fails in [s].  The
    executable specification returns the first such code in MODEL.md's
    order, one refinement of this relation. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Pre.

Section ErrorMsg.
Variable ctx : context.
Variable s : state.

Definition gate_error (o : os_ident) (h : hyper_call) (ec : error_code) : Prop :=
  ((~ exists info, lookup (oss s) o = Some info) /\ ec = Unknown_os) \/
  (trusted ctx o = true /\ activity s <> Running /\ ec = Wrong_os_activity) \/
  (trusted ctx o = true /\ active_os s <> o /\ ec = Not_active_os) \/
  (trusted ctx o = false /\ activity s <> Waiting /\ ec = Wrong_os_activity) \/
  (trusted ctx o = false /\
   (~ exists info, lookup (oss s) o = Some info /\ hcall info = Some h) /\
   ec = Wrong_hcall).

(** Errors of a memory access by a guest ([Running], accessible address)
    or by the hypervisor ([Waiting], hypervisor window). *)
Definition access_error (act : os_activity) (acc : bool) (acc_code : error_code)
    (va : vadd) (ec : error_code) : Prop :=
  (activity s <> act /\ ec = Wrong_os_activity) \/
  (accessible ctx va <> acc /\ ec = acc_code) \/
  ((forall ma, ~ va_mapped_to_ma s va ma) /\ ec = Invalid_vadd) \/
  ((exists ma, va_mapped_to_ma s va ma /\ ~ rw_page s ma) /\ ec = Wrong_page_type).

Definition ErrorMsg (a : action) (ec : error_code) : Prop :=
  match a with
  | Read va | Write va _ => access_error Running true No_access_va_os va ec
  | Read_hyper va | Write_hyper va _ =>
      access_error Waiting false No_access_va_hyp va ec
  | Hcall _ =>
      (activity s <> Running /\ ec = Wrong_os_activity) \/
      (trusted ctx (active_os s) = true /\ ec = Trusted_os_hcall)
  | New o va pa =>
      gate_error o (HC_new va pa) ec \/
      (accessible ctx va = false /\ ec = No_access_va_os) \/
      ((forall ma, ~ physical s o pa ma) /\ ec = Invalid_padd) \/
      ((exists ma, physical s o pa ma /\ ~ rw_page s ma) /\ ec = Wrong_page_type)
  | Del o va =>
      gate_error o (HC_del va) ec \/
      (accessible ctx va = false /\ ec = No_access_va_os) \/
      (maps_to s o va = None /\ ec = Invalid_vadd)
  | Lswitch o pa =>
      gate_error o (HC_lswitch pa) ec \/
      ((forall ma, ~ physical s o pa ma) /\ ec = Invalid_padd) \/
      ((exists ma, physical s o pa ma /\ ~ pt_page s ma) /\ ec = Wrong_page_type)
  | Switch o =>
      (activity s <> Waiting /\ ec = Wrong_os_activity) \/
      ((~ exists info, lookup (oss s) o = Some info) /\ ec = Unknown_os)
  | Ret_ctrl => activity s <> Running /\ ec = Wrong_os_activity
  | Chmod =>
      (activity s <> Waiting /\ ec = Wrong_os_activity) \/
      ((~ exists info, lookup (oss s) (active_os s) = Some info /\ hcall info = None) /\
       ec = Pending_hcall)
  | Page_pin o pa t =>
      gate_error o (HC_pin pa t) ec \/
      ((exists pm ma, lookup (hyp s) o = Some pm /\ lookup pm pa = Some ma) /\
       ec = Padd_in_use) \/
      ((forall ma, ~ free s ma) /\ ec = No_free_memory)
  | Page_unpin o pa =>
      gate_error o (HC_unpin pa) ec \/
      ((forall ma, ~ physical s o pa ma) /\ ec = Invalid_padd) \/
      ((exists ma, physical s o pa ma /\
          ((exists info, lookup (oss s) o = Some info /\ curr_page info = pa) \/
           mapped_by_own_table s o ma)) /\ ec = Page_in_use)
  | Silent => False
  end.

End ErrorMsg.
