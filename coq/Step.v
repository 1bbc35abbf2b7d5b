(** The executable specification (TYPES 2013): a total, deterministic [step]
    that checks the precondition in MODEL.md's error order ([pre_error]) and
    otherwise applies the postcondition's effect ([effect]), taking the least
    free page for [Page_pin].  Fall-through branches of [effect] are never
    reached from a valid state whose precondition holds. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Post.
Import ListNotations.

Section Step.
Variable ctx : context.
Variable s : state.

Definition activity_eqb (a b : os_activity) : bool :=
  match a, b with
  | Running, Running | Waiting, Waiting => true
  | _, _ => false
  end.

(** Error of the gate for hypercall [h] on guest [o], if any. *)
Definition gate_check (o : os_ident) (h : hyper_call) : option error_code :=
  match lookup (oss s) o with
  | None => Some Unknown_os
  | Some info =>
      if trusted ctx o then
        if negb (activity_eqb (activity s) Running) then Some Wrong_os_activity
        else if negb (Nat.eqb (active_os s) o) then Some Not_active_os
        else None
      else
        if negb (activity_eqb (activity s) Waiting) then Some Wrong_os_activity
        else
          match hcall info with
          | Some h' => if hyper_call_eqb h' h then None else Some Wrong_hcall
          | None => Some Wrong_hcall
          end
  end.

(** Errors of a memory access: expected activity, accessibility and the
    code for an address on the wrong side of the hypervisor window. *)
Definition access_check (act : os_activity) (acc : bool) (acc_code : error_code)
    (va : vadd) : option error_code :=
  if negb (activity_eqb (activity s) act) then Some Wrong_os_activity
  else if negb (Bool.eqb (accessible ctx va) acc) then Some acc_code
  else
    match maps_to s (active_os s) va with
    | None => Some Invalid_vadd
    | Some ma =>
        match lookup (mem s) ma with
        | Some (mk_page (RW _) _) => None
        | _ => Some Wrong_page_type
        end
    end.

Definition physical_page (o : os_ident) (pa : padd) : option madd :=
  match lookup (hyp s) o with
  | Some pm => lookup pm pa
  | None => None
  end.

(** The content kind at [ma] is right ([is_kind]), else [Wrong_page_type]. *)
Definition page_kind_check (is_kind : page_content -> bool) (ma : madd)
  : option error_code :=
  match lookup (mem s) ma with
  | Some pg => if is_kind (content pg) then None else Some Wrong_page_type
  | None => Some Wrong_page_type
  end.

Definition then_check (e : option error_code) (k : option error_code)
  : option error_code :=
  match e with
  | Some ec => Some ec
  | None => k
  end.

(** [o] owns a page table that maps some address to [ma]. *)
Definition mapped_by_own_table_b (o : os_ident) (ma : madd) : bool :=
  exists_binding
    (fun _ pg =>
       match pg with
       | mk_page (PT m) (Os o') =>
           Nat.eqb o' o && exists_binding (fun _ ma' => Nat.eqb ma' ma) m
       | _ => false
       end)
    (mem s).

Definition least_free_page : option madd :=
  least_key (fun _ pg => is_free_page pg) (mem s).

(** The two hypercalls whose checks search the memory take the search's
    answer as an argument: [pre_error] and [effect] pass their own searches,
    [StepIndex.step_indexed] the answers of its indexes.  [Page_pin]'s error,
    given the least free page: *)
Definition pin_error (lfp : option madd) (o : os_ident) (pa : padd) (t : ptype)
  : option error_code :=
  then_check (gate_check o (HC_pin pa t))
    (match physical_page o pa with
     | Some _ => Some Padd_in_use
     | None =>
         match lfp with
         | Some _ => None
         | None => Some No_free_memory
         end
     end).

(** [Page_unpin]'s error, given "a page table of [o] maps this page". *)
Definition unpin_error (mapped : madd -> bool) (o : os_ident) (pa : padd)
  : option error_code :=
  then_check (gate_check o (HC_unpin pa))
    (match physical_page o pa with
     | None => Some Invalid_padd
     | Some ma =>
         let current :=
           match lookup (oss s) o with
           | Some info => Nat.eqb (curr_page info) pa
           | None => false
           end in
         if current || mapped ma then Some Page_in_use else None
     end).

Definition pre_error (a : action) : option error_code :=
  match a with
  | Read va | Write va _ => access_check Running true No_access_va_os va
  | Read_hyper va | Write_hyper va _ => access_check Waiting false No_access_va_hyp va
  | Hcall _ =>
      if negb (activity_eqb (activity s) Running) then Some Wrong_os_activity
      else if trusted ctx (active_os s) then Some Trusted_os_hcall
      else None
  | New o va pa =>
      then_check (gate_check o (HC_new va pa))
        (if negb (accessible ctx va) then Some No_access_va_os
         else match physical_page o pa with
              | None => Some Invalid_padd
              | Some ma => page_kind_check is_rw ma
              end)
  | Del o va =>
      then_check (gate_check o (HC_del va))
        (if negb (accessible ctx va) then Some No_access_va_os
         else match maps_to s o va with
              | None => Some Invalid_vadd
              | Some _ => None
              end)
  | Lswitch o pa =>
      then_check (gate_check o (HC_lswitch pa))
        (match physical_page o pa with
         | None => Some Invalid_padd
         | Some ma => page_kind_check is_pt ma
         end)
  | Switch o =>
      if negb (activity_eqb (activity s) Waiting) then Some Wrong_os_activity
      else if in_dom (oss s) o then None else Some Unknown_os
  | Ret_ctrl =>
      if activity_eqb (activity s) Running then None else Some Wrong_os_activity
  | Chmod =>
      if negb (activity_eqb (activity s) Waiting) then Some Wrong_os_activity
      else
        match lookup (oss s) (active_os s) with
        | Some (mk_os_info _ None) => None
        | _ => Some Pending_hcall
        end
  | Page_pin o pa t => pin_error least_free_page o pa t
  | Page_unpin o pa => unpin_error (mapped_by_own_table_b o) o pa
  | Silent => None
  end.

Definition pre_b (a : action) : bool :=
  match pre_error a with None => true | Some _ => false end.

(** Edit [o]'s current page table with [f] and serve [o]'s hypercall. *)
Definition table_edit (o : os_ident) (f : map madd -> map madd) : state :=
  match cpt s o with
  | Some ptma =>
      match lookup (mem s) ptma with
      | Some (mk_page (PT m) ow) =>
          set_oss (set_mem s (update (mem s) ptma (mk_page (PT (f m)) ow))) (serve ctx s o)
      | _ => s
      end
  | None => s
  end.

Definition write_effect (va : vadd) (v : value) : state :=
  match maps_to s (active_os s) va with
  | Some ma =>
      match lookup (mem s) ma with
      | Some pg => set_mem s (update (mem s) ma (mk_page (RW (Some v)) (owner pg)))
      | None => s
      end
  | None => s
  end.

(** [Page_pin]'s effect, given the least free page. *)
Definition pin_effect (lfp : option madd) (o : os_ident) (pa : padd) (t : ptype) : state :=
  match lfp, lookup (hyp s) o with
  | Some ma, Some pm =>
      mk_state (active_os s) (exec_mode s) (activity s)
        (serve ctx s o) (update (hyp s) o (update pm pa ma))
        (update (mem s) ma (newpage t o))
  | _, _ => s
  end.

Definition effect (a : action) : state :=
  match a with
  | Read _ | Read_hyper _ | Silent => s
  | Write va v | Write_hyper va v => write_effect va v
  | Hcall h =>
      match lookup (oss s) (active_os s) with
      | Some info =>
          mk_state (active_os s) Svc Waiting
            (update (oss s) (active_os s) (mk_os_info (curr_page info) (Some h)))
            (hyp s) (mem s)
      | None => s
      end
  | New o va pa =>
      match physical_page o pa with
      | Some ma => table_edit o (fun m => update m va ma)
      | None => s
      end
  | Del o va => table_edit o (fun m => remove m va)
  | Lswitch o pa =>
      match lookup (oss s) o with
      | Some info =>
          set_oss s (update (oss s) o (served_info ctx o (mk_os_info pa (hcall info))))
      | None => s
      end
  | Switch o => set_control s o (exec_mode s) (activity s)
  | Ret_ctrl => set_control s (active_os s) Svc Waiting
  | Chmod =>
      set_control s (active_os s)
        (if trusted ctx (active_os s) then Svc else Usr) Running
  | Page_pin o pa t => pin_effect least_free_page o pa t
  | Page_unpin o pa =>
      match lookup (hyp s) o with
      | Some pm =>
          match lookup pm pa with
          | Some ma =>
              mk_state (active_os s) (exec_mode s) (activity s)
                (serve ctx s o) (update (hyp s) o (remove pm pa))
                (update (mem s) ma (mk_page Other No_Owner))
          | None => s
          end
      | None => s
      end
  end.

Definition step (a : action) : result :=
  match pre_error a with
  | Some ec => mk_result (Error ec) s
  | None => mk_result Ok (effect a)
  end.

End Step.

(** Run a sequence of actions, collecting every step's result. *)
Fixpoint trace (ctx : context) (s : state) (acts : list action) : list result :=
  match acts with
  | [] => []
  | a :: rest =>
      let r := step ctx s a in r :: trace ctx (result_state r) rest
  end.
