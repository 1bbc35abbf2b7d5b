(** Postconditions (MODEL.md section 4): relations between the state before
    ([s]) and after ([s']).  Each states [s'] in full, so everything a
    postcondition does not mention is unchanged. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions.

Section Post.
Variable ctx : context.
Variable s : state.

(** An untrusted guest's hypercall is served: it is no longer pending. *)
Definition served_info (o : os_ident) (info : os_info) : os_info :=
  mk_os_info (curr_page info) (if trusted ctx o then hcall info else None).

(** The guest table after serving [o]'s hypercall. *)
Definition serve (o : os_ident) : map os_info :=
  match lookup (oss s) o with
  | Some info => update (oss s) o (served_info o info)
  | None => oss s
  end.

(** Replace [o]'s current page table by [f] of it. *)
Definition Post_table_edit (o : os_ident) (f : map madd -> map madd) (s' : state)
  : Prop :=
  exists ptma m ow,
    cpt s o = Some ptma /\ lookup (mem s) ptma = Some (mk_page (PT m) ow) /\
    s' = set_oss (set_mem s (update (mem s) ptma (mk_page (PT (f m)) ow))) (serve o).

Definition Post_write (va : vadd) (v : value) (s' : state) : Prop :=
  exists ma pg,
    va_mapped_to_ma s va ma /\ lookup (mem s) ma = Some pg /\
    s' = set_mem s (update (mem s) ma (mk_page (RW (Some v)) (owner pg))).

Definition Post_hcall (h : hyper_call) (s' : state) : Prop :=
  exists info,
    lookup (oss s) (active_os s) = Some info /\
    s' = mk_state (active_os s) Svc Waiting
           (update (oss s) (active_os s) (mk_os_info (curr_page info) (Some h)))
           (hyp s) (mem s).

Definition Post_new (o : os_ident) (va : vadd) (pa : padd) (s' : state) : Prop :=
  exists pm ma,
    lookup (hyp s) o = Some pm /\ lookup pm pa = Some ma /\
    Post_table_edit o (fun m => update m va ma) s'.

Definition Post_del (o : os_ident) (va : vadd) (s' : state) : Prop :=
  Post_table_edit o (fun m => remove m va) s'.

Definition Post_lswitch (o : os_ident) (pa : padd) (s' : state) : Prop :=
  exists info,
    lookup (oss s) o = Some info /\
    s' = set_oss s (update (oss s) o (served_info o (mk_os_info pa (hcall info)))).

Definition Post_switch (o : os_ident) (s' : state) : Prop :=
  s' = set_control s o (exec_mode s) (activity s).

Definition Post_ret_ctrl (s' : state) : Prop :=
  s' = set_control s (active_os s) Svc Waiting.

Definition Post_chmod (s' : state) : Prop :=
  s' = set_control s (active_os s)
         (if trusted ctx (active_os s) then Svc else Usr) Running.

(** Any free page will do: the axioms do not fix the choice. *)
Definition Post_page_pin (o : os_ident) (pa : padd) (t : ptype) (s' : state) : Prop :=
  exists ma pm,
    free s ma /\ lookup (hyp s) o = Some pm /\
    s' = mk_state (active_os s) (exec_mode s) (activity s)
           (serve o) (update (hyp s) o (update pm pa ma))
           (update (mem s) ma (newpage t o)).

(** The page goes back to the free pool, scrubbed. *)
Definition Post_page_unpin (o : os_ident) (pa : padd) (s' : state) : Prop :=
  exists pm ma,
    lookup (hyp s) o = Some pm /\ lookup pm pa = Some ma /\
    s' = mk_state (active_os s) (exec_mode s) (activity s)
           (serve o) (update (hyp s) o (remove pm pa))
           (update (mem s) ma (mk_page Other No_Owner)).

Definition Post (a : action) (s' : state) : Prop :=
  match a with
  | Read _ | Read_hyper _ | Silent => s' = s
  | Write va v | Write_hyper va v => Post_write va v s'
  | Hcall h => Post_hcall h s'
  | New o va pa => Post_new o va pa s'
  | Del o va => Post_del o va s'
  | Lswitch o pa => Post_lswitch o pa s'
  | Switch o => Post_switch o s'
  | Ret_ctrl => Post_ret_ctrl s'
  | Chmod => Post_chmod s'
  | Page_pin o pa t => Post_page_pin o pa t s'
  | Page_unpin o pa => Post_page_unpin o pa s'
  end.

End Post.
