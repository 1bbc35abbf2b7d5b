(** Indexes that make a trace cost what its steps cost.

    [step] finds the least free page ([Page_pin]) and decides whether a page
    table of a guest maps a page ([Page_unpin]) by traversing the whole
    memory.  Along a trace, [trace_indexed] carries two indexes instead,
    built once from the first state and kept by every step: the set of free
    pages, and for each machine page the (table, virtual address) pairs that
    map it.  The model's state is unchanged, and [trace_indexed_trace]
    (StepIndexSound.v) says the indexed trace is [trace]. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps Model Actions Errors Post Step.
Import ListNotations.

(** * The indexes *)

(** The mappings of the page at [ma], if it is a page table. *)
Definition table_of (pg : option page) : map madd :=
  match pg with
  | Some (mk_page (PT t) _) => t
  | _ => Leaf
  end.

(** The page table at [p] maps [va] to [ma]. *)
Definition table_maps (mem : map page) (p : madd) (va : vadd) (ma : madd) : Prop :=
  lookup (table_of (lookup mem p)) va = Some ma.

Definition page_free (pg : option page) : bool :=
  match pg with
  | Some pg => is_free_page pg
  | None => false
  end.

(** For each machine page, the (table, virtual address) pairs mapping it. *)
Definition mappers := map (list (madd * vadd)).

Record index := mk_index {
  free_set : map unit;
  mapped_from : mappers
}.

Definition entries (R : mappers) (ma : madd) : list (madd * vadd) :=
  match lookup R ma with
  | Some l => l
  | None => []
  end.

Definition index_ok (mem : map page) (ix : index) : Prop :=
  (forall ma, in_dom (free_set ix) ma = page_free (lookup mem ma)) /\
  (forall ma p va, In (p, va) (entries (mapped_from ix) ma) <-> table_maps mem p va ma).

(** ** Editing the mappers *)

Definition add_mapper (p : madd) (va : vadd) (ma : madd) (R : mappers) : mappers :=
  update R ma ((p, va) :: entries R ma).

Definition same_entry (e e' : madd * vadd) : bool :=
  Nat.eqb (fst e) (fst e') && Nat.eqb (snd e) (snd e').

Definition drop_mapper (p : madd) (va : vadd) (ma : madd) (R : mappers) : mappers :=
  update R ma (filter (fun e => negb (same_entry e (p, va))) (entries R ma)).

Definition add_table (p : madd) (t : map madd) (R : mappers) : mappers :=
  fold (fun va ma R => add_mapper p va ma R) t R.

Definition drop_table (p : madd) (t : map madd) (R : mappers) : mappers :=
  fold (fun va ma R => drop_mapper p va ma R) t R.

(** The page at [k] changed from [old] to [new]. *)
Definition repage (k : madd) (old new : option page) (ix : index) : index :=
  mk_index
    (if page_free new then update (free_set ix) k tt else remove (free_set ix) k)
    (add_table k (table_of new) (drop_table k (table_of old) (mapped_from ix))).

(** The entry for [va] of the table at [p] changed from [old] to [new]. *)
Definition retarget (p : madd) (va : vadd) (old new : option madd) (ix : index) : index :=
  let R := match old with
           | Some ma => drop_mapper p va ma (mapped_from ix)
           | None => mapped_from ix
           end in
  mk_index (free_set ix)
    (match new with Some ma => add_mapper p va ma R | None => R end).

Definition add_page (k : madd) (pg : page) (ix : index) : index :=
  mk_index (if is_free_page pg then update (free_set ix) k tt else free_set ix)
    (add_table k (table_of (Some pg)) (mapped_from ix)).

(** One traversal of the memory. *)
Definition index_of (mem : map page) : index :=
  fold add_page mem (mk_index Leaf Leaf).

(** ** Queries *)

Definition least_free (ix : index) : option madd :=
  least_key (fun _ _ => true) (free_set ix).

(** A page table of [o] maps [ma] ([Step.mapped_by_own_table_b]). *)
Definition own_mapper (mem : map page) (o : os_ident) (e : madd * vadd) : bool :=
  match lookup mem (fst e) with
  | Some (mk_page (PT _) (Os o')) => Nat.eqb o' o
  | _ => false
  end.

Definition mapped_by_own_table_ix (mem : map page) (ix : index) (o : os_ident) (ma : madd)
  : bool :=
  existsb (own_mapper mem o) (entries (mapped_from ix) ma).

(** * The indexed step *)

(** [step] on [Page_pin], given the least free page. *)
Definition pin_step (ctx : context) (s : state) (lfp : option madd) (o : os_ident)
    (pa : padd) (t : ptype) : result :=
  match pin_error ctx s lfp o pa t with
  | Some ec => mk_result (Error ec) s
  | None => mk_result Ok (pin_effect ctx s lfp o pa t)
  end.

(** [step] on [Page_unpin], given "a page table of [o] maps this page". *)
Definition unpin_step (ctx : context) (s : state) (mapped : madd -> bool) (o : os_ident)
    (pa : padd) : result :=
  match unpin_error ctx s mapped o pa with
  | Some ec => mk_result (Error ec) s
  | None => mk_result Ok (effect ctx s (Page_unpin o pa))
  end.

Definition step_indexed (ctx : context) (s : state) (ix : index) (a : action) : result :=
  match a with
  | Page_pin o pa t => pin_step ctx s (least_free ix) o pa t
  | Page_unpin o pa => unpin_step ctx s (mapped_by_own_table_ix (mem s) ix o) o pa
  | _ => step ctx s a
  end.

(** The index of [s'], the state after [a] from [s] (a successful step only
    changes the memory at the page it names). *)
Definition next_index (s : state) (a : action) (s' : state) (ix : index) : index :=
  let repage_at k := repage k (lookup (mem s) k) (lookup (mem s') k) ix in
  match a with
  | Write va _ | Write_hyper va _ =>
      match maps_to s (active_os s) va with Some ma => repage_at ma | None => ix end
  | Page_pin _ _ _ =>
      match least_free ix with Some ma => repage_at ma | None => ix end
  | Page_unpin o pa =>
      match physical_page s o pa with Some ma => repage_at ma | None => ix end
  | New o va _ | Del o va =>
      match cpt s o with
      | Some p =>
          retarget p va (lookup (table_of (lookup (mem s) p)) va)
            (lookup (table_of (lookup (mem s') p)) va) ix
      | None => ix
      end
  | _ => ix
  end.

Definition step_index (ctx : context) (s : state) (ix : index) (a : action)
  : result * index :=
  let r := step_indexed ctx s ix a in
  (r, match response r with
      | Ok => next_index s a (result_state r) ix
      | Error _ => ix
      end).

Fixpoint trace_from (ctx : context) (s : state) (ix : index) (acts : list action)
  : list result :=
  match acts with
  | [] => []
  | a :: rest =>
      let (r, ix') := step_index ctx s ix a in
      r :: trace_from ctx (result_state r) ix' rest
  end.

(** [trace], with the indexes ([trace_indexed_trace]). *)
Definition trace_indexed (ctx : context) (s : state) (acts : list action) : list result :=
  trace_from ctx s (index_of (mem s)) acts.
