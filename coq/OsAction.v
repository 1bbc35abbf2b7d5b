(** [o]-actions (MODEL.md section 6): the actions guest [o] executes itself,
    and those the hypervisor performs on [o]'s behalf. *)

From VirtualCert Require Import Model Actions.

(** Actions that change the memory layout of the guest they name. *)
Definition privileged_on (a : action) (o : os_ident) : Prop :=
  match a with
  | New o' _ _ | Del o' _ | Lswitch o' _ | Page_pin o' _ _ | Page_unpin o' _ => o' = o
  | _ => False
  end.

(** [o] runs and executes [a]: a memory access, a hypercall, giving back
    control, or (when trusted) a privileged action on itself. *)
Definition executed_by (ctx : context) (s : state) (a : action) (o : os_ident) : Prop :=
  activity s = Running /\ active_os s = o /\
  match a with
  | Read _ | Write _ _ | Hcall _ | Ret_ctrl => True
  | _ => privileged_on a o /\ trusted ctx o = true
  end.

(** The hypervisor runs and [a] serves [o]: a privileged action on an
    untrusted [o], or an action of the hypervisor while [o] is the active
    guest, or a switch from or to [o]. *)
Definition executed_for (ctx : context) (s : state) (a : action) (o : os_ident) : Prop :=
  activity s = Waiting /\
  match a with
  | Chmod | Read_hyper _ | Write_hyper _ _ => active_os s = o
  | Switch o' => active_os s = o \/ o' = o
  | _ => privileged_on a o /\ trusted ctx o = false
  end.

Definition os_action (ctx : context) (s : state) (a : action) (o : os_ident) : Prop :=
  executed_by ctx s a o \/ executed_for ctx s a o.
