(** The executable specification with cache and TLB (CSF 2012).

    [cstep] runs the base [step] on the base state, so responses and base
    states are exactly those of the model without caches.  On top, a guest's
    successful [Read]/[Write] looks up the cache, then the TLB, then walks the
    page table, reports which one served it, and fills both (FIFO eviction
    when full); a write is written through and drops cache entries of other
    addresses that alias the same machine page.  [Switch] flushes both when
    [flush_on_switch] is set; [Lswitch] of the active guest always flushes
    (its address space changes); [New]/[Del] on the active guest invalidate
    the address they remap.  Hypervisor accesses ([Read_hyper],
    [Write_hyper]) bypass the guest's caches: through them the guest's cache
    state would depend on window mappings it cannot see. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model Actions Errors Step CacheModel.
Import ListNotations.

Record cresult := mk_cresult {
  cresponse : outcome;
  observation : option access_obs;  (** only for guest [Read]/[Write] *)
  cresult_state : cstate
}.

Section CacheStep.
Variable cfg : cache_config.
Variable ctx : context.

Definition served_from (cs : cstate) (va : vadd) : access_obs :=
  if ain_dom (cache cs) va then Cache_hit
  else if ain_dom (tlb cs) va then Tlb_hit
  else Page_walk.

(** Remove cache entries of addresses other than [va] that [s] maps to [ma]. *)
Definition drop_aliases (s : state) (va : vadd) (ma : madd) (c : alist page) : alist page :=
  filter
    (fun e =>
       Nat.eqb (fst e) va ||
       match maps_to s (active_os s) (fst e) with
       | Some ma' => negb (Nat.eqb ma' ma)
       | None => true
       end)
    c.

(** The caches after a guest access to [va], which [s] maps to [ma]; [s'] is
    the base state after the step (its page at [ma] is what gets cached). *)
Definition fill (cs : cstate) (s' : state) (va : vadd) (ma : madd) : cstate :=
  let tlb' := if ain_dom (tlb cs) va then tlb cs
              else bounded_insert (tlb_size cfg) (tlb cs) va ma in
  let cache' := match lookup (mem s') ma with
                | Some pg => bounded_insert (cache_size cfg) (cache cs) va pg
                | None => cache cs
                end in
  mk_cstate s' cache' tlb'.

Definition guest_access (cs : cstate) (s' : state) (va : vadd) (is_write : bool)
  : cresult :=
  let s := hv cs in
  match maps_to s (active_os s) va with
  | Some ma =>
      let cs' := fill cs s' va ma in
      let cs'' := if is_write
                  then mk_cstate s' (drop_aliases s va ma (cache cs')) (tlb cs')
                  else cs' in
      mk_cresult Ok (Some (served_from cs va)) cs''
  | None => mk_cresult Ok None (keep cs s')  (* unreachable: the access succeeded *)
  end.

Definition cstep (cs : cstate) (a : action) : cresult :=
  let s := hv cs in
  let r := step ctx s a in
  let s' := result_state r in
  match response r with
  | Error ec => mk_cresult (Error ec) None cs
  | Ok =>
      match a with
      | Read va => guest_access cs s' va false
      | Write va _ => guest_access cs s' va true
      | Switch _ =>
          mk_cresult Ok None (if flush_on_switch cfg then flush cs s' else keep cs s')
      | Lswitch o _ =>
          mk_cresult Ok None
            (if Nat.eqb o (active_os s) then flush cs s' else keep cs s')
      | New o va _ | Del o va =>
          mk_cresult Ok None
            (if Nat.eqb o (active_os s) then invalidate cs s' va else keep cs s')
      | _ => mk_cresult Ok None (keep cs s')
      end
  end.

End CacheStep.

(** Run a sequence, collecting every step's result. *)
Fixpoint ctrace (cfg : cache_config) (ctx : context) (cs : cstate) (acts : list action)
  : list cresult :=
  match acts with
  | [] => []
  | a :: rest =>
      let r := cstep cfg ctx cs a in r :: ctrace cfg ctx (cresult_state r) rest
  end.
