(** Decision procedure for [valid_state]: one boolean check per property,
    and [first_invalid], which names the first property that fails.

    The checks look pages and guests up in [mem s] and [oss s] directly (a
    map is a trie, [Maps.v]); the one index built per decision is [hyp s]
    with each physical map's inverse ([MapIndex.v]), passed to the checks
    that need it.  So each map is traversed a bounded number of times and
    each lookup in a traversal is logarithmic. *)

From Coq Require Import List Arith Bool.
From VirtualCert Require Import Maps MapIndex Model Valid.

(** The eight properties of [valid_state], in MODEL.md's order. *)
Inductive vs_property :=
| Trusted_no_hcall
| Running_no_hcall
| Svc_when_privileged
| Usr_when_untrusted
| Hyp_maps_owned
| Page_tables_owned
| Os_tables_exist
| Accessible_mappings_physical.

Definition page_owner_eqb (a b : page_owner) : bool :=
  match a, b with
  | Hyp, Hyp | No_Owner, No_Owner => true
  | Os o, Os o' => Nat.eqb o o'
  | _, _ => false
  end.

Definition mode_eqb (a b : mode) : bool :=
  match a, b with
  | Usr, Usr | Svc, Svc => true
  | _, _ => false
  end.

Definition is_none {A : Type} (x : option A) : bool :=
  match x with None => true | Some _ => false end.

Section ValidDec.
Variable ctx : context.
Variable s : state.
(** The index: [lookup hyp_ix o] is [hyp s]'s map of [o] with its [inverse]
    ([hyp_index] below), built once by the caller. *)
Variable hyp_ix : map (map madd * map padd).

Definition owned_by_b (ma : madd) (ow : page_owner) : bool :=
  match lookup (mem s) ma with
  | Some pg => page_owner_eqb (owner pg) ow
  | None => false
  end.

Definition trusted_no_hcall_b : bool :=
  forall_bindings (fun o info => negb (trusted ctx o) || is_none (hcall info)) (oss s).

Definition running_no_hcall_b : bool :=
  match activity s, lookup (oss s) (active_os s) with
  | Running, Some info => is_none (hcall info)
  | _, _ => true
  end.

Definition svc_when_privileged_b : bool :=
  match activity s with
  | Waiting => mode_eqb (exec_mode s) Svc
  | Running => negb (trusted ctx (active_os s)) || mode_eqb (exec_mode s) Svc
  end.

Definition usr_when_untrusted_b : bool :=
  match activity s with
  | Running => trusted ctx (active_os s) || mode_eqb (exec_mode s) Usr
  | Waiting => true
  end.

(** [pm] is injective, given its inverse [inv]: each binding is the one
    [inv] names for its value. *)
Definition injective_b (pm : map madd) (inv : map padd) : bool :=
  forall_bindings
    (fun pa ma => match lookup inv ma with Some pa' => Nat.eqb pa' pa | None => false end)
    pm.

Definition hyp_maps_owned_b : bool :=
  forall_bindings
    (fun o pm =>
       forall_bindings (fun _ ma => owned_by_b ma (Os o)) pm &&
       match lookup hyp_ix o with Some (_, inv) => injective_b pm inv | None => false end)
    (hyp s).

Definition page_tables_owned_b : bool :=
  forall_bindings
    (fun _ pg =>
       match pg with
       | mk_page (PT m) (Os o) =>
           forall_bindings
             (fun va ma' => owned_by_b ma' (if accessible ctx va then Os o else Hyp)) m
       | _ => true
       end)
    (mem s).

Definition current_table_owned_b (o : os_ident) (info : os_info) : bool :=
  match lookup hyp_ix o with
  | Some (pm, _) =>
      match lookup pm (curr_page info) with
      | Some ma =>
          match lookup (mem s) ma with
          | Some (mk_page (PT _) (Os o')) => Nat.eqb o' o
          | _ => false
          end
      | None => false
      end
  | None => false
  end.

Definition os_tables_exist_b : bool :=
  forall_bindings current_table_owned_b (oss s) &&
  in_dom (oss s) (active_os s) &&
  forall_bindings (fun o _ => in_dom (oss s) o) (hyp s).

Definition accessible_mappings_physical_b : bool :=
  forall_bindings
    (fun _ pg =>
       match pg with
       | mk_page (PT m) (Os o) =>
           forall_bindings
             (fun va ma' =>
                negb (accessible ctx va) ||
                match lookup hyp_ix o with
                | Some (_, inv) => negb (is_none (lookup inv ma'))
                | None => false
                end) m
       | _ => true
       end)
    (mem s).

Definition property_ix (p : vs_property) : bool :=
  match p with
  | Trusted_no_hcall => trusted_no_hcall_b
  | Running_no_hcall => running_no_hcall_b
  | Svc_when_privileged => svc_when_privileged_b
  | Usr_when_untrusted => usr_when_untrusted_b
  | Hyp_maps_owned => hyp_maps_owned_b
  | Page_tables_owned => page_tables_owned_b
  | Os_tables_exist => os_tables_exist_b
  | Accessible_mappings_physical => accessible_mappings_physical_b
  end.

Definition all_properties : list vs_property :=
  Trusted_no_hcall :: Running_no_hcall :: Svc_when_privileged :: Usr_when_untrusted ::
  Hyp_maps_owned :: Page_tables_owned :: Os_tables_exist ::
  Accessible_mappings_physical :: nil.

Definition first_invalid_ix : option vs_property :=
  find (fun p => negb (property_ix p)) all_properties.

End ValidDec.

(** [hyp s]'s maps with their inverses, indexed by guest. *)
Definition hyp_index (s : state) : map (map madd * map padd) :=
  map_values (fun pm => (pm, inverse pm)) (hyp s).

(** Whether [s] has property [p]. *)
Definition property_b (ctx : context) (s : state) (p : vs_property) : bool :=
  property_ix ctx s (hyp_index s) p.

(** The first property (in MODEL.md's order) that [s] violates; the index
    is built once, as an argument. *)
Definition first_invalid (ctx : context) (s : state) : option vs_property :=
  first_invalid_ix ctx s (hyp_index s).

Definition valid_state_b (ctx : context) (s : state) : bool := is_none (first_invalid ctx s).
