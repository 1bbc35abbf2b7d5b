
(** val negb : bool -> bool **)

let negb = function
| true -> false
| false -> true

(** val option_map : ('a1 -> 'a2) -> 'a1 option -> 'a2 option **)

let option_map f = function
| Some a -> Some (f a)
| None -> None

(** val fst : ('a1 * 'a2) -> 'a1 **)

let fst = function
| (x, _) -> x

(** val snd : ('a1 * 'a2) -> 'a2 **)

let snd = function
| (_, y) -> y



(** val eqb : bool -> bool -> bool **)

let eqb b1 b2 =
  if b1 then b2 else if b2 then false else true

module Nat =
 struct
 end

(** val existsb : ('a1 -> bool) -> 'a1 list -> bool **)

let rec existsb f = function
| [] -> false
| a :: l0 -> (||) (f a) (existsb f l0)

(** val filter : ('a1 -> bool) -> 'a1 list -> 'a1 list **)

let rec filter f = function
| [] -> []
| x :: l0 -> if f x then x :: (filter f l0) else filter f l0

(** val find : ('a1 -> bool) -> 'a1 list -> 'a1 option **)

let rec find f = function
| [] -> None
| x :: tl -> if f x then Some x else find f tl

type 'v alist = (int * 'v) list

(** val alookup : 'a1 alist -> int -> 'a1 option **)

let rec alookup m k =
  match m with
  | [] -> None
  | p :: t -> let (k', v) = p in if (=) k k' then Some v else alookup t k

(** val aupdate : 'a1 alist -> int -> 'a1 -> 'a1 alist **)

let rec aupdate m k v =
  match m with
  | [] -> (k, v) :: []
  | p :: t ->
    let (k', v') = p in
    if (=) k k' then (k, v) :: t else (k', v') :: (aupdate t k v)

(** val aremove : 'a1 alist -> int -> 'a1 alist **)

let rec aremove m k =
  match m with
  | [] -> []
  | p :: t ->
    let (k', v') = p in
    if (=) k k' then aremove t k else (k', v') :: (aremove t k)

(** val ain_dom : 'a1 alist -> int -> bool **)

let ain_dom m k =
  match alookup m k with
  | Some _ -> true
  | None -> false

type 'v map =
| Leaf
| Node of 'v map * 'v option * 'v map

(** val low_bit : int -> bool **)

let low_bit n =
  negb ((fun n -> n land 1 = 0) n)

(** val lookup : 'a1 map -> int -> 'a1 option **)

let rec lookup m k =
  match m with
  | Leaf -> None
  | Node (l, o, r) ->
    if (=) k 0
    then o
    else let j = (fun n -> if n = 0 then 0 else n - 1) k in
         if low_bit j
         then lookup r ((fun n -> n / 2) j)
         else lookup l ((fun n -> n / 2) j)

(** val node : 'a1 map -> 'a1 option -> 'a1 map -> 'a1 map **)

let node l o r =
  match l with
  | Leaf ->
    (match o with
     | Some _ -> Node (l, o, r)
     | None -> (match r with
                | Leaf -> Leaf
                | Node (_, _, _) -> Node (l, o, r)))
  | Node (_, _, _) -> Node (l, o, r)

(** val single : int -> 'a1 -> 'a1 map **)

let rec single k v =
  if (=) k 0
  then Node (Leaf, (Some v), Leaf)
  else let j = (fun n -> if n = 0 then 0 else n - 1) k in
       let t = single ((fun n -> n / 2) j) v in
       if low_bit j then Node (Leaf, None, t) else Node (t, None, Leaf)

(** val singleton : int -> 'a1 -> 'a1 map **)

let singleton =
  single

(** val update : 'a1 map -> int -> 'a1 -> 'a1 map **)

let rec update m k v =
  match m with
  | Leaf -> singleton k v
  | Node (l, o, r) ->
    if (=) k 0
    then Node (l, (Some v), r)
    else let j = (fun n -> if n = 0 then 0 else n - 1) k in
         if low_bit j
         then Node (l, o, (update r ((fun n -> n / 2) j) v))
         else Node ((update l ((fun n -> n / 2) j) v), o, r)

(** val remove : 'a1 map -> int -> 'a1 map **)

let rec remove m k =
  match m with
  | Leaf -> Leaf
  | Node (l, o, r) ->
    if (=) k 0
    then node l None r
    else let j = (fun n -> if n = 0 then 0 else n - 1) k in
         if low_bit j
         then node l o (remove r ((fun n -> n / 2) j))
         else node (remove l ((fun n -> n / 2) j)) o r

(** val fold_at :
    (int -> 'a1 -> 'a2 -> 'a2) -> int -> int -> 'a1 map -> 'a2 -> 'a2 **)

let rec fold_at g h c m acc =
  match m with
  | Leaf -> acc
  | Node (l, o, r) ->
    let acc' = match o with
               | Some v -> g c v acc
               | None -> acc in
    let s = (+) h h in
    let acc'' =
      match l with
      | Leaf -> acc'
      | Node (_, _, _) -> fold_at g s ((+) c s) l acc'
    in
    (match r with
     | Leaf -> acc''
     | Node (_, _, _) -> fold_at g s ((+) ((+) c s) s) r acc'')

(** val fold : (int -> 'a1 -> 'a2 -> 'a2) -> 'a1 map -> 'a2 -> 'a2 **)

let fold g m acc =
  match m with
  | Leaf -> acc
  | Node (l, o, r) ->
    let acc' = match o with
               | Some v -> g 0 v acc
               | None -> acc in
    let acc'' =
      match l with
      | Leaf -> acc'
      | Node (_, _, _) ->
        fold_at g (Stdlib.Int.succ 0) (Stdlib.Int.succ 0) l acc'
    in
    (match r with
     | Leaf -> acc''
     | Node (_, _, _) ->
       fold_at g (Stdlib.Int.succ 0) (Stdlib.Int.succ (Stdlib.Int.succ 0)) r
         acc'')

(** val cons_binding : int -> 'a1 -> (int * 'a1) list -> (int * 'a1) list **)

let cons_binding k v l =
  (k, v) :: l

(** val bindings : 'a1 map -> (int * 'a1) list **)

let bindings m =
  fold cons_binding m []

(** val in_dom : 'a1 map -> int -> bool **)

let in_dom m k =
  match lookup m k with
  | Some _ -> true
  | None -> false

(** val forall_bindings : (int -> 'a1 -> bool) -> 'a1 map -> bool **)

let forall_bindings p m =
  fold (fun k v b -> (&&) b (p k v)) m true

(** val exists_binding : (int -> 'a1 -> bool) -> 'a1 map -> bool **)

let exists_binding p m =
  negb (forall_bindings (fun k v -> negb (p k v)) m)

(** val keep_least : int option -> int -> int option **)

let keep_least acc k =
  match acc with
  | Some k' -> if (<=) k' k then Some k' else Some k
  | None -> Some k

(** val least_step :
    (int -> 'a1 -> bool) -> int -> 'a1 -> int option -> int option **)

let least_step p k v acc =
  if p k v then keep_least acc k else acc

(** val least_key : (int -> 'a1 -> bool) -> 'a1 map -> int option **)

let least_key p m =
  fold (least_step p) m None

(** val map_values : ('a1 -> 'a2) -> 'a1 map -> 'a2 map **)

let rec map_values f = function
| Leaf -> Leaf
| Node (l, o, r) ->
  Node ((map_values f l), (option_map f o), (map_values f r))

type os_ident = int

type vadd = int

type padd = int

type madd = int

type value = int

type context = { hyp_window : vadd list; trusted_oss : os_ident list }

(** val accessible : context -> vadd -> bool **)

let accessible ctx va =
  negb (existsb ((=) va) ctx.hyp_window)

(** val trusted : context -> os_ident -> bool **)

let trusted ctx o =
  existsb ((=) o) ctx.trusted_oss

type ptype =
| T_RW
| T_PT

type hyper_call =
| HC_new of vadd * padd
| HC_del of vadd
| HC_lswitch of padd
| HC_pin of padd * ptype
| HC_unpin of padd

type os_info = { curr_page : padd; hcall : hyper_call option }

type mode =
| Usr
| Svc

type os_activity =
| Running
| Waiting

type page_content =
| RW of value option
| PT of madd map
| Other

type page_owner =
| Hyp
| Os of os_ident
| No_Owner

type page = { content : page_content; owner : page_owner }

type state = { active_os : os_ident; exec_mode : mode;
               activity : os_activity; oss : os_info map; hyp : madd map map;
               mem : page map }

(** val set_oss : state -> os_info map -> state **)

let set_oss s m =
  { active_os = s.active_os; exec_mode = s.exec_mode; activity = s.activity;
    oss = m; hyp = s.hyp; mem = s.mem }

(** val set_mem : state -> page map -> state **)

let set_mem s m =
  { active_os = s.active_os; exec_mode = s.exec_mode; activity = s.activity;
    oss = s.oss; hyp = s.hyp; mem = m }

(** val set_control : state -> os_ident -> mode -> os_activity -> state **)

let set_control s o md act =
  { active_os = o; exec_mode = md; activity = act; oss = s.oss; hyp = s.hyp;
    mem = s.mem }

(** val cpt : state -> os_ident -> madd option **)

let cpt s o =
  match lookup s.oss o with
  | Some info ->
    (match lookup s.hyp o with
     | Some pm -> lookup pm info.curr_page
     | None -> None)
  | None -> None

(** val current_table : state -> os_ident -> madd map option **)

let current_table s o =
  match cpt s o with
  | Some ma ->
    (match lookup s.mem ma with
     | Some p ->
       let { content = content0; owner = _ } = p in
       (match content0 with
        | PT m -> Some m
        | _ -> None)
     | None -> None)
  | None -> None

(** val maps_to : state -> os_ident -> vadd -> madd option **)

let maps_to s o va =
  match current_table s o with
  | Some m -> lookup m va
  | None -> None

(** val newpage : ptype -> os_ident -> page **)

let newpage t o =
  match t with
  | T_RW -> { content = (RW None); owner = (Os o) }
  | T_PT -> { content = (PT Leaf); owner = (Os o) }

(** val is_free_page : page -> bool **)

let is_free_page pg =
  match pg.owner with
  | No_Owner -> true
  | _ -> false

(** val is_rw : page_content -> bool **)

let is_rw = function
| RW _ -> true
| _ -> false

(** val is_pt : page_content -> bool **)

let is_pt = function
| PT _ -> true
| _ -> false

(** val ptype_eqb : ptype -> ptype -> bool **)

let ptype_eqb a b =
  match a with
  | T_RW -> (match b with
             | T_RW -> true
             | T_PT -> false)
  | T_PT -> (match b with
             | T_RW -> false
             | T_PT -> true)

(** val hyper_call_eqb : hyper_call -> hyper_call -> bool **)

let hyper_call_eqb a b =
  match a with
  | HC_new (va, pa) ->
    (match b with
     | HC_new (vb, pb) -> (&&) ((=) va vb) ((=) pa pb)
     | _ -> false)
  | HC_del va -> (match b with
                  | HC_del vb -> (=) va vb
                  | _ -> false)
  | HC_lswitch pa -> (match b with
                      | HC_lswitch pb -> (=) pa pb
                      | _ -> false)
  | HC_pin (pa, ta) ->
    (match b with
     | HC_pin (pb, tb) -> (&&) ((=) pa pb) (ptype_eqb ta tb)
     | _ -> false)
  | HC_unpin pa -> (match b with
                    | HC_unpin pb -> (=) pa pb
                    | _ -> false)

type action =
| Read of vadd
| Write of vadd * value
| Read_hyper of vadd
| Write_hyper of vadd * value
| Hcall of hyper_call
| New of os_ident * vadd * padd
| Del of os_ident * vadd
| Lswitch of os_ident * padd
| Switch of os_ident
| Ret_ctrl
| Chmod
| Page_pin of os_ident * padd * ptype
| Page_unpin of os_ident * padd
| Silent

type error_code =
| Unknown_os
| Wrong_os_activity
| Not_active_os
| Wrong_hcall
| No_access_va_os
| Invalid_vadd
| Wrong_page_type
| No_access_va_hyp
| Trusted_os_hcall
| Invalid_padd
| Pending_hcall
| Padd_in_use
| No_free_memory
| Page_in_use

type outcome =
| Ok
| Error of error_code

type result = { response : outcome; result_state : state }

(** val served_info : context -> os_ident -> os_info -> os_info **)

let served_info ctx o info =
  { curr_page = info.curr_page; hcall =
    (if trusted ctx o then info.hcall else None) }

(** val serve : context -> state -> os_ident -> os_info map **)

let serve ctx s o =
  match lookup s.oss o with
  | Some info -> update s.oss o (served_info ctx o info)
  | None -> s.oss

(** val activity_eqb : os_activity -> os_activity -> bool **)

let activity_eqb a b =
  match a with
  | Running -> (match b with
                | Running -> true
                | Waiting -> false)
  | Waiting -> (match b with
                | Running -> false
                | Waiting -> true)

(** val gate_check :
    context -> state -> os_ident -> hyper_call -> error_code option **)

let gate_check ctx s o h =
  match lookup s.oss o with
  | Some info ->
    if trusted ctx o
    then if negb (activity_eqb s.activity Running)
         then Some Wrong_os_activity
         else if negb ((=) s.active_os o) then Some Not_active_os else None
    else if negb (activity_eqb s.activity Waiting)
         then Some Wrong_os_activity
         else (match info.hcall with
               | Some h' ->
                 if hyper_call_eqb h' h then None else Some Wrong_hcall
               | None -> Some Wrong_hcall)
  | None -> Some Unknown_os

(** val access_check :
    context -> state -> os_activity -> bool -> error_code -> vadd ->
    error_code option **)

let access_check ctx s act acc acc_code va =
  if negb (activity_eqb s.activity act)
  then Some Wrong_os_activity
  else if negb (eqb (accessible ctx va) acc)
       then Some acc_code
       else (match maps_to s s.active_os va with
             | Some ma ->
               (match lookup s.mem ma with
                | Some p ->
                  let { content = content0; owner = _ } = p in
                  (match content0 with
                   | RW _ -> None
                   | _ -> Some Wrong_page_type)
                | None -> Some Wrong_page_type)
             | None -> Some Invalid_vadd)

(** val physical_page : state -> os_ident -> padd -> madd option **)

let physical_page s o pa =
  match lookup s.hyp o with
  | Some pm -> lookup pm pa
  | None -> None

(** val page_kind_check :
    state -> (page_content -> bool) -> madd -> error_code option **)

let page_kind_check s is_kind ma =
  match lookup s.mem ma with
  | Some pg -> if is_kind pg.content then None else Some Wrong_page_type
  | None -> Some Wrong_page_type

(** val then_check :
    error_code option -> error_code option -> error_code option **)

let then_check e k =
  match e with
  | Some ec -> Some ec
  | None -> k

(** val mapped_by_own_table_b : state -> os_ident -> madd -> bool **)

let mapped_by_own_table_b s o ma =
  exists_binding (fun _ pg ->
    let { content = content0; owner = owner0 } = pg in
    (match content0 with
     | PT m ->
       (match owner0 with
        | Os o' ->
          (&&) ((=) o' o) (exists_binding (fun _ ma' -> (=) ma' ma) m)
        | _ -> false)
     | _ -> false)) s.mem

(** val least_free_page : state -> madd option **)

let least_free_page s =
  least_key (fun _ -> is_free_page) s.mem

(** val pin_error :
    context -> state -> madd option -> os_ident -> padd -> ptype ->
    error_code option **)

let pin_error ctx s lfp o pa t =
  then_check (gate_check ctx s o (HC_pin (pa, t)))
    (match physical_page s o pa with
     | Some _ -> Some Padd_in_use
     | None -> (match lfp with
                | Some _ -> None
                | None -> Some No_free_memory))

(** val unpin_error :
    context -> state -> (madd -> bool) -> os_ident -> padd -> error_code
    option **)

let unpin_error ctx s mapped o pa =
  then_check (gate_check ctx s o (HC_unpin pa))
    (match physical_page s o pa with
     | Some ma ->
       let current =
         match lookup s.oss o with
         | Some info -> (=) info.curr_page pa
         | None -> false
       in
       if (||) current (mapped ma) then Some Page_in_use else None
     | None -> Some Invalid_padd)

(** val pre_error : context -> state -> action -> error_code option **)

let pre_error ctx s = function
| Read va -> access_check ctx s Running true No_access_va_os va
| Write (va, _) -> access_check ctx s Running true No_access_va_os va
| Read_hyper va -> access_check ctx s Waiting false No_access_va_hyp va
| Write_hyper (va, _) -> access_check ctx s Waiting false No_access_va_hyp va
| Hcall _ ->
  if negb (activity_eqb s.activity Running)
  then Some Wrong_os_activity
  else if trusted ctx s.active_os then Some Trusted_os_hcall else None
| New (o, va, pa) ->
  then_check (gate_check ctx s o (HC_new (va, pa)))
    (if negb (accessible ctx va)
     then Some No_access_va_os
     else (match physical_page s o pa with
           | Some ma -> page_kind_check s is_rw ma
           | None -> Some Invalid_padd))
| Del (o, va) ->
  then_check (gate_check ctx s o (HC_del va))
    (if negb (accessible ctx va)
     then Some No_access_va_os
     else (match maps_to s o va with
           | Some _ -> None
           | None -> Some Invalid_vadd))
| Lswitch (o, pa) ->
  then_check (gate_check ctx s o (HC_lswitch pa))
    (match physical_page s o pa with
     | Some ma -> page_kind_check s is_pt ma
     | None -> Some Invalid_padd)
| Switch o ->
  if negb (activity_eqb s.activity Waiting)
  then Some Wrong_os_activity
  else if in_dom s.oss o then None else Some Unknown_os
| Ret_ctrl ->
  if activity_eqb s.activity Running then None else Some Wrong_os_activity
| Chmod ->
  if negb (activity_eqb s.activity Waiting)
  then Some Wrong_os_activity
  else (match lookup s.oss s.active_os with
        | Some o ->
          let { curr_page = _; hcall = hcall0 } = o in
          (match hcall0 with
           | Some _ -> Some Pending_hcall
           | None -> None)
        | None -> Some Pending_hcall)
| Page_pin (o, pa, t) -> pin_error ctx s (least_free_page s) o pa t
| Page_unpin (o, pa) -> unpin_error ctx s (mapped_by_own_table_b s o) o pa
| Silent -> None

(** val pre_b : context -> state -> action -> bool **)

let pre_b ctx s a =
  match pre_error ctx s a with
  | Some _ -> false
  | None -> true

(** val table_edit :
    context -> state -> os_ident -> (madd map -> madd map) -> state **)

let table_edit ctx s o f =
  match cpt s o with
  | Some ptma ->
    (match lookup s.mem ptma with
     | Some p ->
       let { content = content0; owner = ow } = p in
       (match content0 with
        | PT m ->
          set_oss
            (set_mem s
              (update s.mem ptma { content = (PT (f m)); owner = ow }))
            (serve ctx s o)
        | _ -> s)
     | None -> s)
  | None -> s

(** val write_effect : state -> vadd -> value -> state **)

let write_effect s va v =
  match maps_to s s.active_os va with
  | Some ma ->
    (match lookup s.mem ma with
     | Some pg ->
       set_mem s
         (update s.mem ma { content = (RW (Some v)); owner = pg.owner })
     | None -> s)
  | None -> s

(** val pin_effect :
    context -> state -> madd option -> os_ident -> padd -> ptype -> state **)

let pin_effect ctx s lfp o pa t =
  match lfp with
  | Some ma ->
    (match lookup s.hyp o with
     | Some pm ->
       { active_os = s.active_os; exec_mode = s.exec_mode; activity =
         s.activity; oss = (serve ctx s o); hyp =
         (update s.hyp o (update pm pa ma)); mem =
         (update s.mem ma (newpage t o)) }
     | None -> s)
  | None -> s

(** val effect : context -> state -> action -> state **)

let effect ctx s = function
| Write (va, v) -> write_effect s va v
| Write_hyper (va, v) -> write_effect s va v
| Hcall h ->
  (match lookup s.oss s.active_os with
   | Some info ->
     { active_os = s.active_os; exec_mode = Svc; activity = Waiting; oss =
       (update s.oss s.active_os { curr_page = info.curr_page; hcall = (Some
         h) }); hyp = s.hyp; mem = s.mem }
   | None -> s)
| New (o, va, pa) ->
  (match physical_page s o pa with
   | Some ma -> table_edit ctx s o (fun m -> update m va ma)
   | None -> s)
| Del (o, va) -> table_edit ctx s o (fun m -> remove m va)
| Lswitch (o, pa) ->
  (match lookup s.oss o with
   | Some info ->
     set_oss s
       (update s.oss o
         (served_info ctx o { curr_page = pa; hcall = info.hcall }))
   | None -> s)
| Switch o -> set_control s o s.exec_mode s.activity
| Ret_ctrl -> set_control s s.active_os Svc Waiting
| Chmod ->
  set_control s s.active_os (if trusted ctx s.active_os then Svc else Usr)
    Running
| Page_pin (o, pa, t) -> pin_effect ctx s (least_free_page s) o pa t
| Page_unpin (o, pa) ->
  (match lookup s.hyp o with
   | Some pm ->
     (match lookup pm pa with
      | Some ma ->
        { active_os = s.active_os; exec_mode = s.exec_mode; activity =
          s.activity; oss = (serve ctx s o); hyp =
          (update s.hyp o (remove pm pa)); mem =
          (update s.mem ma { content = Other; owner = No_Owner }) }
      | None -> s)
   | None -> s)
| _ -> s

(** val step : context -> state -> action -> result **)

let step ctx s a =
  match pre_error ctx s a with
  | Some ec -> { response = (Error ec); result_state = s }
  | None -> { response = Ok; result_state = (effect ctx s a) }

(** val trace : context -> state -> action list -> result list **)

let rec trace ctx s = function
| [] -> []
| a :: rest -> let r = step ctx s a in r :: (trace ctx r.result_state rest)

(** val table_of : page option -> madd map **)

let table_of = function
| Some p ->
  let { content = content0; owner = _ } = p in
  (match content0 with
   | PT t -> t
   | _ -> Leaf)
| None -> Leaf

(** val page_free : page option -> bool **)

let page_free = function
| Some pg0 -> is_free_page pg0
| None -> false

type mappers = (madd * vadd) list map

type index = { free_set : unit map; mapped_from : mappers }

(** val entries : mappers -> madd -> (madd * vadd) list **)

let entries r ma =
  match lookup r ma with
  | Some l -> l
  | None -> []

(** val add_mapper : madd -> vadd -> madd -> mappers -> mappers **)

let add_mapper p va ma r =
  update r ma ((p, va) :: (entries r ma))

(** val same_entry : (madd * vadd) -> (madd * vadd) -> bool **)

let same_entry e e' =
  (&&) ((=) (fst e) (fst e')) ((=) (snd e) (snd e'))

(** val drop_mapper : madd -> vadd -> madd -> mappers -> mappers **)

let drop_mapper p va ma r =
  update r ma (filter (fun e -> negb (same_entry e (p, va))) (entries r ma))

(** val add_table : madd -> madd map -> mappers -> mappers **)

let add_table p t r =
  fold (fun va ma r0 -> add_mapper p va ma r0) t r

(** val drop_table : madd -> madd map -> mappers -> mappers **)

let drop_table p t r =
  fold (fun va ma r0 -> drop_mapper p va ma r0) t r

(** val repage : madd -> page option -> page option -> index -> index **)

let repage k old new0 ix =
  { free_set =
    (if page_free new0 then update ix.free_set k () else remove ix.free_set k);
    mapped_from =
    (add_table k (table_of new0) (drop_table k (table_of old) ix.mapped_from)) }

(** val retarget :
    madd -> vadd -> madd option -> madd option -> index -> index **)

let retarget p va old new0 ix =
  let r =
    match old with
    | Some ma -> drop_mapper p va ma ix.mapped_from
    | None -> ix.mapped_from
  in
  { free_set = ix.free_set; mapped_from =
  (match new0 with
   | Some ma -> add_mapper p va ma r
   | None -> r) }

(** val add_page : madd -> page -> index -> index **)

let add_page k pg ix =
  { free_set =
    (if is_free_page pg then update ix.free_set k () else ix.free_set);
    mapped_from = (add_table k (table_of (Some pg)) ix.mapped_from) }

(** val index_of : page map -> index **)

let index_of mem0 =
  fold add_page mem0 { free_set = Leaf; mapped_from = Leaf }

(** val least_free : index -> madd option **)

let least_free ix =
  least_key (fun _ _ -> true) ix.free_set

(** val own_mapper : page map -> os_ident -> (madd * vadd) -> bool **)

let own_mapper mem0 o e =
  match lookup mem0 (fst e) with
  | Some p ->
    let { content = content0; owner = owner0 } = p in
    (match content0 with
     | PT _ -> (match owner0 with
                | Os o' -> (=) o' o
                | _ -> false)
     | _ -> false)
  | None -> false

(** val mapped_by_own_table_ix :
    page map -> index -> os_ident -> madd -> bool **)

let mapped_by_own_table_ix mem0 ix o ma =
  existsb (own_mapper mem0 o) (entries ix.mapped_from ma)

(** val pin_step :
    context -> state -> madd option -> os_ident -> padd -> ptype -> result **)

let pin_step ctx s lfp o pa t =
  match pin_error ctx s lfp o pa t with
  | Some ec -> { response = (Error ec); result_state = s }
  | None -> { response = Ok; result_state = (pin_effect ctx s lfp o pa t) }

(** val unpin_step :
    context -> state -> (madd -> bool) -> os_ident -> padd -> result **)

let unpin_step ctx s mapped o pa =
  match unpin_error ctx s mapped o pa with
  | Some ec -> { response = (Error ec); result_state = s }
  | None ->
    { response = Ok; result_state = (effect ctx s (Page_unpin (o, pa))) }

(** val step_indexed : context -> state -> index -> action -> result **)

let step_indexed ctx s ix a = match a with
| Page_pin (o, pa, t) -> pin_step ctx s (least_free ix) o pa t
| Page_unpin (o, pa) ->
  unpin_step ctx s (mapped_by_own_table_ix s.mem ix o) o pa
| _ -> step ctx s a

(** val next_index : state -> action -> state -> index -> index **)

let next_index s a s' ix =
  let repage_at = fun k -> repage k (lookup s.mem k) (lookup s'.mem k) ix in
  (match a with
   | Write (va, _) ->
     (match maps_to s s.active_os va with
      | Some ma -> repage_at ma
      | None -> ix)
   | Write_hyper (va, _) ->
     (match maps_to s s.active_os va with
      | Some ma -> repage_at ma
      | None -> ix)
   | New (o, va, _) ->
     (match cpt s o with
      | Some p ->
        retarget p va (lookup (table_of (lookup s.mem p)) va)
          (lookup (table_of (lookup s'.mem p)) va) ix
      | None -> ix)
   | Del (o, va) ->
     (match cpt s o with
      | Some p ->
        retarget p va (lookup (table_of (lookup s.mem p)) va)
          (lookup (table_of (lookup s'.mem p)) va) ix
      | None -> ix)
   | Page_pin (_, _, _) ->
     (match least_free ix with
      | Some ma -> repage_at ma
      | None -> ix)
   | Page_unpin (o, pa) ->
     (match physical_page s o pa with
      | Some ma -> repage_at ma
      | None -> ix)
   | _ -> ix)

(** val step_index : context -> state -> index -> action -> result * index **)

let step_index ctx s ix a =
  let r = step_indexed ctx s ix a in
  (r,
  (match r.response with
   | Ok -> next_index s a r.result_state ix
   | Error _ -> ix))

(** val trace_from :
    context -> state -> index -> action list -> result list **)

let rec trace_from ctx s ix = function
| [] -> []
| a :: rest ->
  let (r, ix') = step_index ctx s ix a in
  r :: (trace_from ctx r.result_state ix' rest)

(** val trace_indexed : context -> state -> action list -> result list **)

let trace_indexed ctx s acts =
  trace_from ctx s (index_of s.mem) acts

(** val inverse : int map -> int map **)

let inverse m =
  fold (fun k v t -> update t v k) m Leaf

type vs_property =
| Trusted_no_hcall
| Running_no_hcall
| Svc_when_privileged
| Usr_when_untrusted
| Hyp_maps_owned
| Page_tables_owned
| Os_tables_exist
| Accessible_mappings_physical

(** val page_owner_eqb : page_owner -> page_owner -> bool **)

let page_owner_eqb a b =
  match a with
  | Hyp -> (match b with
            | Hyp -> true
            | _ -> false)
  | Os o -> (match b with
             | Os o' -> (=) o o'
             | _ -> false)
  | No_Owner -> (match b with
                 | No_Owner -> true
                 | _ -> false)

(** val mode_eqb : mode -> mode -> bool **)

let mode_eqb a b =
  match a with
  | Usr -> (match b with
            | Usr -> true
            | Svc -> false)
  | Svc -> (match b with
            | Usr -> false
            | Svc -> true)

(** val is_none : 'a1 option -> bool **)

let is_none = function
| Some _ -> false
| None -> true

(** val owned_by_b : state -> madd -> page_owner -> bool **)

let owned_by_b s ma ow =
  match lookup s.mem ma with
  | Some pg -> page_owner_eqb pg.owner ow
  | None -> false

(** val trusted_no_hcall_b : context -> state -> bool **)

let trusted_no_hcall_b ctx s =
  forall_bindings (fun o info ->
    (||) (negb (trusted ctx o)) (is_none info.hcall)) s.oss

(** val running_no_hcall_b : state -> bool **)

let running_no_hcall_b s =
  match s.activity with
  | Running ->
    (match lookup s.oss s.active_os with
     | Some info -> is_none info.hcall
     | None -> true)
  | Waiting -> true

(** val svc_when_privileged_b : context -> state -> bool **)

let svc_when_privileged_b ctx s =
  match s.activity with
  | Running ->
    (||) (negb (trusted ctx s.active_os)) (mode_eqb s.exec_mode Svc)
  | Waiting -> mode_eqb s.exec_mode Svc

(** val usr_when_untrusted_b : context -> state -> bool **)

let usr_when_untrusted_b ctx s =
  match s.activity with
  | Running -> (||) (trusted ctx s.active_os) (mode_eqb s.exec_mode Usr)
  | Waiting -> true

(** val injective_b : madd map -> padd map -> bool **)

let injective_b pm inv =
  forall_bindings (fun pa ma ->
    match lookup inv ma with
    | Some pa' -> (=) pa' pa
    | None -> false) pm

(** val hyp_maps_owned_b : state -> (madd map * padd map) map -> bool **)

let hyp_maps_owned_b s hyp_ix =
  forall_bindings (fun o pm ->
    (&&) (forall_bindings (fun _ ma -> owned_by_b s ma (Os o)) pm)
      (match lookup hyp_ix o with
       | Some p -> let (_, inv) = p in injective_b pm inv
       | None -> false)) s.hyp

(** val page_tables_owned_b : context -> state -> bool **)

let page_tables_owned_b ctx s =
  forall_bindings (fun _ pg ->
    let { content = content0; owner = owner0 } = pg in
    (match content0 with
     | PT m ->
       (match owner0 with
        | Os o ->
          forall_bindings (fun va ma' ->
            owned_by_b s ma' (if accessible ctx va then Os o else Hyp)) m
        | _ -> true)
     | _ -> true)) s.mem

(** val current_table_owned_b :
    state -> (madd map * padd map) map -> os_ident -> os_info -> bool **)

let current_table_owned_b s hyp_ix o info =
  match lookup hyp_ix o with
  | Some p ->
    let (pm, _) = p in
    (match lookup pm info.curr_page with
     | Some ma ->
       (match lookup s.mem ma with
        | Some p0 ->
          let { content = content0; owner = owner0 } = p0 in
          (match content0 with
           | PT _ -> (match owner0 with
                      | Os o' -> (=) o' o
                      | _ -> false)
           | _ -> false)
        | None -> false)
     | None -> false)
  | None -> false

(** val os_tables_exist_b : state -> (madd map * padd map) map -> bool **)

let os_tables_exist_b s hyp_ix =
  (&&)
    ((&&) (forall_bindings (current_table_owned_b s hyp_ix) s.oss)
      (in_dom s.oss s.active_os))
    (forall_bindings (fun o _ -> in_dom s.oss o) s.hyp)

(** val accessible_mappings_physical_b :
    context -> state -> (madd map * padd map) map -> bool **)

let accessible_mappings_physical_b ctx s hyp_ix =
  forall_bindings (fun _ pg ->
    let { content = content0; owner = owner0 } = pg in
    (match content0 with
     | PT m ->
       (match owner0 with
        | Os o ->
          forall_bindings (fun va ma' ->
            (||) (negb (accessible ctx va))
              (match lookup hyp_ix o with
               | Some p -> let (_, inv) = p in negb (is_none (lookup inv ma'))
               | None -> false)) m
        | _ -> true)
     | _ -> true)) s.mem

(** val property_ix :
    context -> state -> (madd map * padd map) map -> vs_property -> bool **)

let property_ix ctx s hyp_ix = function
| Trusted_no_hcall -> trusted_no_hcall_b ctx s
| Running_no_hcall -> running_no_hcall_b s
| Svc_when_privileged -> svc_when_privileged_b ctx s
| Usr_when_untrusted -> usr_when_untrusted_b ctx s
| Hyp_maps_owned -> hyp_maps_owned_b s hyp_ix
| Page_tables_owned -> page_tables_owned_b ctx s
| Os_tables_exist -> os_tables_exist_b s hyp_ix
| Accessible_mappings_physical -> accessible_mappings_physical_b ctx s hyp_ix

(** val all_properties : vs_property list **)

let all_properties =
  Trusted_no_hcall :: (Running_no_hcall :: (Svc_when_privileged :: (Usr_when_untrusted :: (Hyp_maps_owned :: (Page_tables_owned :: (Os_tables_exist :: (Accessible_mappings_physical :: [])))))))

(** val first_invalid_ix :
    context -> state -> (madd map * padd map) map -> vs_property option **)

let first_invalid_ix ctx s hyp_ix =
  find (fun p -> negb (property_ix ctx s hyp_ix p)) all_properties

(** val hyp_index : state -> (madd map * padd map) map **)

let hyp_index s =
  map_values (fun pm -> (pm, (inverse pm))) s.hyp

(** val first_invalid : context -> state -> vs_property option **)

let first_invalid ctx s =
  first_invalid_ix ctx s (hyp_index s)

(** val valid_state_b : context -> state -> bool **)

let valid_state_b ctx s =
  is_none (first_invalid ctx s)

type cache_config = { cache_size : int; tlb_size : int; flush_on_switch : bool }

type cstate = { hv : state; cache : page alist; tlb : madd alist }

type access_obs =
| Cache_hit
| Tlb_hit
| Page_walk

(** val shorter_than : 'a1 list -> int -> bool **)

let rec shorter_than l n =
  match l with
  | [] ->
    ((fun fO fS n -> if n=0 then fO () else fS (n-1))
       (fun _ -> false)
       (fun _ -> true)
       n)
  | _ :: t ->
    ((fun fO fS n -> if n=0 then fO () else fS (n-1))
       (fun _ -> false)
       (fun n' -> shorter_than t n')
       n)

(** val bounded_insert : int -> 'a1 alist -> int -> 'a1 -> 'a1 alist **)

let bounded_insert n m k v =
  if ain_dom m k
  then aupdate m k v
  else if shorter_than m n
       then aupdate m k v
       else (match m with
             | [] -> []
             | _ :: rest -> aupdate rest k v)

(** val flush : cstate -> state -> cstate **)

let flush _ s =
  { hv = s; cache = []; tlb = [] }

(** val keep : cstate -> state -> cstate **)

let keep cs s =
  { hv = s; cache = cs.cache; tlb = cs.tlb }

(** val invalidate : cstate -> state -> vadd -> cstate **)

let invalidate cs s va =
  { hv = s; cache = (aremove cs.cache va); tlb = (aremove cs.tlb va) }

type cresult = { cresponse : outcome; observation : access_obs option;
                 cresult_state : cstate }

(** val served_from : cstate -> vadd -> access_obs **)

let served_from cs va =
  if ain_dom cs.cache va
  then Cache_hit
  else if ain_dom cs.tlb va then Tlb_hit else Page_walk

(** val drop_aliases : state -> vadd -> madd -> page alist -> page alist **)

let drop_aliases s va ma c =
  filter (fun e ->
    (||) ((=) (fst e) va)
      (match maps_to s s.active_os (fst e) with
       | Some ma' -> negb ((=) ma' ma)
       | None -> true)) c

(** val fill : cache_config -> cstate -> state -> vadd -> madd -> cstate **)

let fill cfg cs s' va ma =
  let tlb' =
    if ain_dom cs.tlb va
    then cs.tlb
    else bounded_insert cfg.tlb_size cs.tlb va ma
  in
  let cache' =
    match lookup s'.mem ma with
    | Some pg -> bounded_insert cfg.cache_size cs.cache va pg
    | None -> cs.cache
  in
  { hv = s'; cache = cache'; tlb = tlb' }

(** val guest_access :
    cache_config -> cstate -> state -> vadd -> bool -> cresult **)

let guest_access cfg cs s' va is_write =
  let s = cs.hv in
  (match maps_to s s.active_os va with
   | Some ma ->
     let cs' = fill cfg cs s' va ma in
     let cs'' =
       if is_write
       then { hv = s'; cache = (drop_aliases s va ma cs'.cache); tlb =
              cs'.tlb }
       else cs'
     in
     { cresponse = Ok; observation = (Some (served_from cs va));
     cresult_state = cs'' }
   | None ->
     { cresponse = Ok; observation = None; cresult_state = (keep cs s') })

(** val cstep : cache_config -> context -> cstate -> action -> cresult **)

let cstep cfg ctx cs a =
  let s = cs.hv in
  let r = step ctx s a in
  let s' = r.result_state in
  (match r.response with
   | Ok ->
     (match a with
      | Read va -> guest_access cfg cs s' va false
      | Write (va, _) -> guest_access cfg cs s' va true
      | New (o, va, _) ->
        { cresponse = Ok; observation = None; cresult_state =
          (if (=) o s.active_os then invalidate cs s' va else keep cs s') }
      | Del (o, va) ->
        { cresponse = Ok; observation = None; cresult_state =
          (if (=) o s.active_os then invalidate cs s' va else keep cs s') }
      | Lswitch (o, _) ->
        { cresponse = Ok; observation = None; cresult_state =
          (if (=) o s.active_os then flush cs s' else keep cs s') }
      | Switch _ ->
        { cresponse = Ok; observation = None; cresult_state =
          (if cfg.flush_on_switch then flush cs s' else keep cs s') }
      | _ ->
        { cresponse = Ok; observation = None; cresult_state = (keep cs s') })
   | Error ec ->
     { cresponse = (Error ec); observation = None; cresult_state = cs })

(** val ctrace :
    cache_config -> context -> cstate -> action list -> cresult list **)

let rec ctrace cfg ctx cs = function
| [] -> []
| a :: rest ->
  let r = cstep cfg ctx cs a in r :: (ctrace cfg ctx r.cresult_state rest)
