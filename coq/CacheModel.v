(** The cache and TLB extension (CSF 2012; MODEL.md section 7): the state of
    the base model plus a virtually indexed and tagged, write-through cache of
    pages and a TLB, both bounded and belonging to the active guest.

    The caches never change what a step does to the base state: [cstep]
    (CacheStep.v) runs the base [step] and only keeps the caches and reports
    where each guest access was served from.  That observation is what a guest
    can time, and so what the isolation results must cover. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import AList Maps Model.
Import ListNotations.

Record cache_config := mk_cache_config {
  cache_size : nat;
  tlb_size : nat;
  flush_on_switch : bool  (** false: the leaky variant that keeps caches across [Switch] *)
}.

Record cstate := mk_cstate {
  hv : state;
  cache : alist page;  (** virtual address to a copy of the page it reads *)
  tlb : alist madd     (** virtual address to machine address *)
}.

(** Where a guest's access was served from: what the guest can observe. *)
Inductive access_obs := Cache_hit | Tlb_hit | Page_walk.

(** [l] has fewer than [n] elements (no arithmetic on [nat]). *)
Fixpoint shorter_than {A : Type} (l : list A) (n : nat) : bool :=
  match l, n with
  | _, O => false
  | [], S _ => true
  | _ :: t, S n' => shorter_than t n'
  end.

(** Insert into a cache of at most [n] entries; when full, evict the oldest
    entry (first in the list: [aupdate] appends new keys).  A cache of size 0
    keeps nothing. *)
Definition bounded_insert {V : Type} (n : nat) (m : alist V) (k : nat) (v : V) : alist V :=
  if ain_dom m k then aupdate m k v
  else if shorter_than m n then aupdate m k v
  else
    match m with
    | [] => []
    | _ :: rest => aupdate rest k v
    end.

Definition flush (cs : cstate) (s : state) : cstate := mk_cstate s [] [].

Definition keep (cs : cstate) (s : state) : cstate := mk_cstate s (cache cs) (tlb cs).

(** Drop the cache and TLB entries of [va] (its mapping changed). *)
Definition invalidate (cs : cstate) (s : state) (va : vadd) : cstate :=
  mk_cstate s (aremove (cache cs) va) (aremove (tlb cs) va).
