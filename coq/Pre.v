(** Preconditions of the actions (MODEL.md section 4), one per action. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions.

Section Pre.
Variable ctx : context.
Variable s : state.

(** The page at [ma] holds a readable/writable value. *)
Definition rw_page (ma : madd) : Prop :=
  exists v ow, lookup (mem s) ma = Some (mk_page (RW v) ow).

(** The page at [ma] is a page table. *)
Definition pt_page (ma : madd) : Prop :=
  exists m ow, lookup (mem s) ma = Some (mk_page (PT m) ow).

(** The hypervisor may act on guest [o] for hypercall [h]: a trusted [o]
    does it itself while running; an untrusted [o] must have asked. *)
Definition gate (o : os_ident) (h : hyper_call) : Prop :=
  (exists info, lookup (oss s) o = Some info) /\
  if trusted ctx o
  then activity s = Running /\ active_os s = o
  else activity s = Waiting /\
       exists info, lookup (oss s) o = Some info /\ hcall info = Some h.

Definition physical (o : os_ident) (pa : padd) (ma : madd) : Prop :=
  exists pm, lookup (hyp s) o = Some pm /\ lookup pm pa = Some ma.

Definition Pre_read (va : vadd) : Prop :=
  activity s = Running /\ accessible ctx va = true /\
  exists ma, va_mapped_to_ma s va ma /\ rw_page ma.

Definition Pre_read_hyper (va : vadd) : Prop :=
  activity s = Waiting /\ accessible ctx va = false /\
  exists ma, va_mapped_to_ma s va ma /\ rw_page ma.

Definition Pre_hcall : Prop :=
  activity s = Running /\ trusted ctx (active_os s) = false.

Definition Pre_new (o : os_ident) (va : vadd) (pa : padd) : Prop :=
  gate o (HC_new va pa) /\ accessible ctx va = true /\
  exists ma, physical o pa ma /\ rw_page ma.

Definition Pre_del (o : os_ident) (va : vadd) : Prop :=
  gate o (HC_del va) /\ accessible ctx va = true /\
  exists ma, maps_to s o va = Some ma.

Definition Pre_lswitch (o : os_ident) (pa : padd) : Prop :=
  gate o (HC_lswitch pa) /\ exists ma, physical o pa ma /\ pt_page ma.

Definition Pre_switch (o : os_ident) : Prop :=
  activity s = Waiting /\ exists info, lookup (oss s) o = Some info.

Definition Pre_ret_ctrl : Prop := activity s = Running.

Definition Pre_chmod : Prop :=
  activity s = Waiting /\
  exists info, lookup (oss s) (active_os s) = Some info /\ hcall info = None.

(** [o] owns a page table that maps some virtual address to [ma]. *)
Definition mapped_by_own_table (o : os_ident) (ma : madd) : Prop :=
  exists ma' m va,
    lookup (mem s) ma' = Some (mk_page (PT m) (Os o)) /\ lookup m va = Some ma.

Definition Pre_page_pin (o : os_ident) (pa : padd) (t : ptype) : Prop :=
  gate o (HC_pin pa t) /\
  (forall pm, lookup (hyp s) o = Some pm -> lookup pm pa = None) /\
  exists ma, free s ma.

Definition Pre_page_unpin (o : os_ident) (pa : padd) : Prop :=
  gate o (HC_unpin pa) /\
  exists ma, physical o pa ma /\
    (forall info, lookup (oss s) o = Some info -> curr_page info <> pa) /\
    ~ mapped_by_own_table o ma.

Definition Pre (a : action) : Prop :=
  match a with
  | Read va | Write va _ => Pre_read va
  | Read_hyper va | Write_hyper va _ => Pre_read_hyper va
  | Hcall _ => Pre_hcall
  | New o va pa => Pre_new o va pa
  | Del o va => Pre_del o va
  | Lswitch o pa => Pre_lswitch o pa
  | Switch o => Pre_switch o
  | Ret_ctrl => Pre_ret_ctrl
  | Chmod => Pre_chmod
  | Page_pin o pa t => Pre_page_pin o pa t
  | Page_unpin o pa => Pre_page_unpin o pa
  | Silent => True
  end.

End Pre.
