(* JSON codec for the types of the extracted specification ([Vcert]), in the
   format of docs/protocol.md.

   One decoder/encoder pair per Coq type, named [<type>_of_json] and
   [json_of_<type>], all in the same shape so that the module can be
   generated from vcert.mli:
   - a decoder takes the JSON path of its input (for error messages) and the
     input, and returns [Ok value] or [Error {path; message}];
   - constructors go through [constructor_of_json] (a bare string for a
     constant constructor, an array [name, arguments...] otherwise), then one
     match case per constructor, then [constructor_error];
   - records go through [record_of_json] (exactly the Coq field names), then
     one [decode_field] per field;
   - type parameters ([option], [list], [map], [alist]) take the element's decoder or
     encoder as first argument.
   [Vcert] is not opened: its [Ok]/[Error] (the Coq [outcome]) would shadow
   the OCaml [result] constructors used here. *)

type json = Yojson.Safe.t

type error = { path : string; message : string }

type 'a decoded = ('a, error) result

let ( let* ) = Result.bind

let fail path message = Error { path; message }

(* JSON paths only serve error messages, and building one for every value of a
   large state costs more than decoding it.  So a field of the request itself
   (path "$", see [decode_field]) is first decoded without paths: under
   [no_path] every sub-path stays [no_path].  Only if that fails is it decoded
   again with real paths; decoding is pure, so the second run finds the same
   error and names where it is. *)
let no_path = ""

let field_path path name = if path = no_path then no_path else path ^ "." ^ name

let index_path path i =
  if path = no_path then no_path else path ^ "[" ^ string_of_int i ^ "]"

(* A short description of a JSON value, for "expected X, got Y" messages. *)
let describe (j : json) : string =
  match j with
  | `Null -> "null"
  | `Bool _ -> "a boolean"
  | `Int _ | `Intlit _ -> "an integer"
  | `Float _ -> "a non-integer number"
  | `String s -> Printf.sprintf "the string %S" s
  | `List l -> Printf.sprintf "an array of %d elements" (List.length l)
  | `Assoc _ -> "an object"
  | `Tuple _ | `Variant _ -> "a non-standard JSON extension"

let expected path what j = fail path ("expected " ^ what ^ ", got " ^ describe j)

(* "a ptype", "an action": the type name with its indefinite article. *)
let a_type (type_name : string) : string =
  match type_name.[0] with
  | 'a' | 'e' | 'i' | 'o' | 'u' -> "an " ^ type_name
  | _ -> "a " ^ type_name
  | exception Invalid_argument _ -> type_name

(* Decode every element of a list, stopping at the first error. *)
let decode_all (decode : int -> json -> 'a decoded) (items : json list) : 'a list decoded =
  let rec go i acc = function
    | [] -> Ok (List.rev acc)
    | x :: rest ->
        let* v = decode i x in
        go (i + 1) (v :: acc) rest
  in
  go 0 [] items

(* ---------------------------------------------------------------------- *)
(* Constructors and records: the shared shape checks. *)

(* A constructor as encoded: its name, and [None] for the bare-string form
   or [Some arguments] for the array form. *)
let constructor_of_json (type_name : string) path (j : json)
    : (string * json list option) decoded =
  match j with
  | `String name -> Ok (name, None)
  | `List (`String name :: args) -> Ok (name, Some args)
  | `List (first :: _) ->
      expected (index_path path 0) ("the name of " ^ a_type type_name ^ " constructor") first
  | _ -> expected path (a_type type_name ^ " (a constructor name or an array [name, arguments...])") j

(* The error for a constructor that matched no case: unknown name, wrong
   number of arguments, or the wrong form for its arity. *)
let constructor_error (type_name : string) (arities : (string * int) list) path
    ((name, args) : string * json list option) : 'a decoded =
  let plural n = if n = 1 then "1 argument" else string_of_int n ^ " arguments" in
  match List.assoc_opt name arities, args with
  | None, _ ->
      fail path
        (Printf.sprintf "unknown %s constructor %S (expected one of: %s)" type_name name
           (String.concat ", " (List.map fst arities)))
  | Some 0, _ ->
      fail path
        (Printf.sprintf "%s takes no arguments: write it as the string %S" name name)
  | Some n, None ->
      fail path
        (Printf.sprintf "%s takes %s: write it as an array [%S, ...]" name (plural n) name)
  | Some n, Some given ->
      fail path
        (Printf.sprintf "%s takes %s, got %d" name (plural n) (List.length given))

(* The fields of a record: an object with exactly [names], each once. *)
let record_of_json (type_name : string) (names : string list) path (j : json)
    : (string * json) list decoded =
  match j with
  | `Assoc fields ->
      let rec check seen = function
        | [] -> Ok ()
        | (name, _) :: rest ->
            if List.mem name seen then
              fail (field_path path name) (Printf.sprintf "duplicate field %S" name)
            else if not (List.mem name names) then
              fail (field_path path name)
                (Printf.sprintf "unknown %s field %S (fields: %s)" type_name name
                   (String.concat ", " names))
            else check (name :: seen) rest
      in
      let* () = check [] fields in
      let missing = List.filter (fun name -> not (List.mem_assoc name fields)) names in
      if missing = [] then Ok fields
      else
        fail path
          (Printf.sprintf "missing %s field(s): %s" type_name (String.concat ", " missing))
  | _ -> expected path (a_type type_name ^ " object") j

(* Decode field [name] of fields already checked by [record_of_json]; a field of
   the request, without paths first (see [no_path]). *)
let decode_field (decode : string -> json -> 'a decoded) path fields name : 'a decoded =
  let j = List.assoc name fields in
  if path <> "$" then decode (field_path path name) j
  else match decode no_path j with Ok v -> Ok v | Error _ -> decode (field_path path name) j

(* ---------------------------------------------------------------------- *)
(* Base types and type parameters. *)

let nat_of_json path (j : json) : int decoded =
  match j with
  | `Int n when n >= 0 -> Ok n
  | `Int _ -> fail path "expected a non-negative integer, got a negative one"
  | `Intlit s when String.length s > 0 && s.[0] = '-' ->
      fail path "expected a non-negative integer, got a negative one"
  | `Intlit _ -> fail path "integer too large: naturals must be below 2^62"
  | _ -> expected path "a non-negative integer" j

let json_of_nat (n : int) : json = `Int n

let bool_of_json path (j : json) : bool decoded =
  match j with `Bool b -> Ok b | _ -> expected path "true or false" j

let json_of_bool (b : bool) : json = `Bool b

let option_of_json (decode : string -> json -> 'a decoded) path (j : json)
    : 'a option decoded =
  match j with
  | `Null -> Ok None
  | _ ->
      let* v = decode path j in
      Ok (Some v)

let json_of_option (encode : 'a -> json) (x : 'a option) : json =
  match x with None -> `Null | Some v -> encode v

let list_of_json (decode : string -> json -> 'a decoded) path (j : json) : 'a list decoded =
  match j with
  | `List items -> decode_all (fun i x -> decode (index_path path i) x) items
  | _ -> expected path "an array" j

let json_of_list (encode : 'a -> json) (l : 'a list) : json = `List (List.map encode l)

(* An association list: an array of [key, value] pairs with distinct keys, in
   its order (the cache and TLB: oldest first). *)
let alist_of_json (decode : string -> json -> 'a decoded) path (j : json)
    : 'a Vcert.alist decoded =
  let binding i x =
    let at = index_path path i in
    match x with
    | `List [ k; v ] ->
        let* key = nat_of_json (index_path at 0) k in
        let* value = decode (index_path at 1) v in
        Ok (key, value)
    | _ -> expected at "a [key, value] pair" x
  in
  match j with
  | `List items ->
      let* bindings = decode_all binding items in
      let seen = Hashtbl.create 16 in
      let rec distinct i = function
        | [] -> Ok bindings
        | (k, _) :: rest ->
            if Hashtbl.mem seen k then
              fail (index_path (index_path path i) 0)
                (Printf.sprintf "duplicate map key %d" k)
            else (
              Hashtbl.add seen k ();
              distinct (i + 1) rest)
      in
      distinct 0 bindings
  | _ -> expected path "a map (an array of [key, value] pairs)" j

let json_of_alist (encode : 'a -> json) (m : 'a Vcert.alist) : json =
  `List (List.map (fun (k, v) -> `List [ json_of_nat k; encode v ]) m)

(* A finite map (a trie in the model): the same JSON form, keys in any order;
   built with the model's own [update], answered in ascending key order. *)
let map_of_json (decode : string -> json -> 'a decoded) path (j : json)
    : 'a Vcert.map decoded =
  let* bindings = alist_of_json decode path j in
  Ok (List.fold_left (fun m (k, v) -> Vcert.update m k v) Vcert.Leaf bindings)

let json_of_map (encode : 'a -> json) (m : 'a Vcert.map) : json =
  let ascending = List.sort (fun (k1, _) (k2, _) -> compare k1 k2) (Vcert.bindings m) in
  json_of_alist encode ascending

(* The aliases of [nat] in Model.v. *)
let os_ident_of_json = nat_of_json
let json_of_os_ident = json_of_nat
let vadd_of_json = nat_of_json
let json_of_vadd = json_of_nat
let padd_of_json = nat_of_json
let json_of_padd = json_of_nat
let madd_of_json = nat_of_json
let json_of_madd = json_of_nat
let value_of_json = nat_of_json
let json_of_value = json_of_nat

(* ---------------------------------------------------------------------- *)
(* Model.v *)

let context_fields = [ "hyp_window"; "trusted_oss" ]

let context_of_json path (j : json) : Vcert.context decoded =
  let* fields = record_of_json "context" context_fields path j in
  let* hyp_window = decode_field (list_of_json vadd_of_json) path fields "hyp_window" in
  let* trusted_oss = decode_field (list_of_json os_ident_of_json) path fields "trusted_oss" in
  Ok { Vcert.hyp_window; trusted_oss }

let json_of_context (x : Vcert.context) : json =
  `Assoc
    [ ("hyp_window", json_of_list json_of_vadd x.Vcert.hyp_window);
      ("trusted_oss", json_of_list json_of_os_ident x.Vcert.trusted_oss) ]

let ptype_arities = [ ("T_RW", 0); ("T_PT", 0) ]

let ptype_of_json path (j : json) : Vcert.ptype decoded =
  let* c = constructor_of_json "ptype" path j in
  match c with
  | "T_RW", None -> Ok Vcert.T_RW
  | "T_PT", None -> Ok Vcert.T_PT
  | _ -> constructor_error "ptype" ptype_arities path c

let json_of_ptype (x : Vcert.ptype) : json =
  match x with
  | Vcert.T_RW -> `String "T_RW"
  | Vcert.T_PT -> `String "T_PT"

let hyper_call_arities =
  [ ("HC_new", 2); ("HC_del", 1); ("HC_lswitch", 1); ("HC_pin", 2); ("HC_unpin", 1) ]

let hyper_call_of_json path (j : json) : Vcert.hyper_call decoded =
  let* c = constructor_of_json "hyper_call" path j in
  match c with
  | "HC_new", Some [ a1; a2 ] ->
      let* va = vadd_of_json (index_path path 1) a1 in
      let* pa = padd_of_json (index_path path 2) a2 in
      Ok (Vcert.HC_new (va, pa))
  | "HC_del", Some [ a1 ] ->
      let* va = vadd_of_json (index_path path 1) a1 in
      Ok (Vcert.HC_del va)
  | "HC_lswitch", Some [ a1 ] ->
      let* pa = padd_of_json (index_path path 1) a1 in
      Ok (Vcert.HC_lswitch pa)
  | "HC_pin", Some [ a1; a2 ] ->
      let* pa = padd_of_json (index_path path 1) a1 in
      let* t = ptype_of_json (index_path path 2) a2 in
      Ok (Vcert.HC_pin (pa, t))
  | "HC_unpin", Some [ a1 ] ->
      let* pa = padd_of_json (index_path path 1) a1 in
      Ok (Vcert.HC_unpin pa)
  | _ -> constructor_error "hyper_call" hyper_call_arities path c

let json_of_hyper_call (x : Vcert.hyper_call) : json =
  match x with
  | Vcert.HC_new (va, pa) -> `List [ `String "HC_new"; json_of_vadd va; json_of_padd pa ]
  | Vcert.HC_del va -> `List [ `String "HC_del"; json_of_vadd va ]
  | Vcert.HC_lswitch pa -> `List [ `String "HC_lswitch"; json_of_padd pa ]
  | Vcert.HC_pin (pa, t) -> `List [ `String "HC_pin"; json_of_padd pa; json_of_ptype t ]
  | Vcert.HC_unpin pa -> `List [ `String "HC_unpin"; json_of_padd pa ]

let os_info_fields = [ "curr_page"; "hcall" ]

let os_info_of_json path (j : json) : Vcert.os_info decoded =
  let* fields = record_of_json "os_info" os_info_fields path j in
  let* curr_page = decode_field padd_of_json path fields "curr_page" in
  let* hcall = decode_field (option_of_json hyper_call_of_json) path fields "hcall" in
  Ok { Vcert.curr_page; hcall }

let json_of_os_info (x : Vcert.os_info) : json =
  `Assoc
    [ ("curr_page", json_of_padd x.Vcert.curr_page);
      ("hcall", json_of_option json_of_hyper_call x.Vcert.hcall) ]

let mode_arities = [ ("Usr", 0); ("Svc", 0) ]

let mode_of_json path (j : json) : Vcert.mode decoded =
  let* c = constructor_of_json "mode" path j in
  match c with
  | "Usr", None -> Ok Vcert.Usr
  | "Svc", None -> Ok Vcert.Svc
  | _ -> constructor_error "mode" mode_arities path c

let json_of_mode (x : Vcert.mode) : json =
  match x with
  | Vcert.Usr -> `String "Usr"
  | Vcert.Svc -> `String "Svc"

let os_activity_arities = [ ("Running", 0); ("Waiting", 0) ]

let os_activity_of_json path (j : json) : Vcert.os_activity decoded =
  let* c = constructor_of_json "os_activity" path j in
  match c with
  | "Running", None -> Ok Vcert.Running
  | "Waiting", None -> Ok Vcert.Waiting
  | _ -> constructor_error "os_activity" os_activity_arities path c

let json_of_os_activity (x : Vcert.os_activity) : json =
  match x with
  | Vcert.Running -> `String "Running"
  | Vcert.Waiting -> `String "Waiting"

let page_content_arities = [ ("RW", 1); ("PT", 1); ("Other", 0) ]

let page_content_of_json path (j : json) : Vcert.page_content decoded =
  let* c = constructor_of_json "page_content" path j in
  match c with
  | "RW", Some [ a1 ] ->
      let* v = option_of_json value_of_json (index_path path 1) a1 in
      Ok (Vcert.RW v)
  | "PT", Some [ a1 ] ->
      let* m = map_of_json madd_of_json (index_path path 1) a1 in
      Ok (Vcert.PT m)
  | "Other", None -> Ok Vcert.Other
  | _ -> constructor_error "page_content" page_content_arities path c

let json_of_page_content (x : Vcert.page_content) : json =
  match x with
  | Vcert.RW v -> `List [ `String "RW"; json_of_option json_of_value v ]
  | Vcert.PT m -> `List [ `String "PT"; json_of_map json_of_madd m ]
  | Vcert.Other -> `String "Other"

let page_owner_arities = [ ("Hyp", 0); ("Os", 1); ("No_Owner", 0) ]

let page_owner_of_json path (j : json) : Vcert.page_owner decoded =
  let* c = constructor_of_json "page_owner" path j in
  match c with
  | "Hyp", None -> Ok Vcert.Hyp
  | "Os", Some [ a1 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      Ok (Vcert.Os o)
  | "No_Owner", None -> Ok Vcert.No_Owner
  | _ -> constructor_error "page_owner" page_owner_arities path c

let json_of_page_owner (x : Vcert.page_owner) : json =
  match x with
  | Vcert.Hyp -> `String "Hyp"
  | Vcert.Os o -> `List [ `String "Os"; json_of_os_ident o ]
  | Vcert.No_Owner -> `String "No_Owner"

let page_fields = [ "content"; "owner" ]

let page_of_json path (j : json) : Vcert.page decoded =
  let* fields = record_of_json "page" page_fields path j in
  let* content = decode_field page_content_of_json path fields "content" in
  let* owner = decode_field page_owner_of_json path fields "owner" in
  Ok { Vcert.content; owner }

let json_of_page (x : Vcert.page) : json =
  `Assoc
    [ ("content", json_of_page_content x.Vcert.content);
      ("owner", json_of_page_owner x.Vcert.owner) ]

let state_fields = [ "active_os"; "exec_mode"; "activity"; "oss"; "hyp"; "mem" ]

let state_of_json path (j : json) : Vcert.state decoded =
  let* fields = record_of_json "state" state_fields path j in
  let* active_os = decode_field os_ident_of_json path fields "active_os" in
  let* exec_mode = decode_field mode_of_json path fields "exec_mode" in
  let* activity = decode_field os_activity_of_json path fields "activity" in
  let* oss = decode_field (map_of_json os_info_of_json) path fields "oss" in
  let* hyp = decode_field (map_of_json (map_of_json madd_of_json)) path fields "hyp" in
  let* mem = decode_field (map_of_json page_of_json) path fields "mem" in
  Ok { Vcert.active_os; exec_mode; activity; oss; hyp; mem }

let json_of_state (x : Vcert.state) : json =
  `Assoc
    [ ("active_os", json_of_os_ident x.Vcert.active_os);
      ("exec_mode", json_of_mode x.Vcert.exec_mode);
      ("activity", json_of_os_activity x.Vcert.activity);
      ("oss", json_of_map json_of_os_info x.Vcert.oss);
      ("hyp", json_of_map (json_of_map json_of_madd) x.Vcert.hyp);
      ("mem", json_of_map json_of_page x.Vcert.mem) ]

(* ---------------------------------------------------------------------- *)
(* Actions.v *)

let action_arities =
  [ ("Read", 1); ("Write", 2); ("Read_hyper", 1); ("Write_hyper", 2); ("Hcall", 1);
    ("New", 3); ("Del", 2); ("Lswitch", 2); ("Switch", 1); ("Ret_ctrl", 0); ("Chmod", 0);
    ("Page_pin", 3); ("Page_unpin", 2); ("Silent", 0) ]

let action_of_json path (j : json) : Vcert.action decoded =
  let* c = constructor_of_json "action" path j in
  match c with
  | "Read", Some [ a1 ] ->
      let* va = vadd_of_json (index_path path 1) a1 in
      Ok (Vcert.Read va)
  | "Write", Some [ a1; a2 ] ->
      let* va = vadd_of_json (index_path path 1) a1 in
      let* v = value_of_json (index_path path 2) a2 in
      Ok (Vcert.Write (va, v))
  | "Read_hyper", Some [ a1 ] ->
      let* va = vadd_of_json (index_path path 1) a1 in
      Ok (Vcert.Read_hyper va)
  | "Write_hyper", Some [ a1; a2 ] ->
      let* va = vadd_of_json (index_path path 1) a1 in
      let* v = value_of_json (index_path path 2) a2 in
      Ok (Vcert.Write_hyper (va, v))
  | "Hcall", Some [ a1 ] ->
      let* h = hyper_call_of_json (index_path path 1) a1 in
      Ok (Vcert.Hcall h)
  | "New", Some [ a1; a2; a3 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      let* va = vadd_of_json (index_path path 2) a2 in
      let* pa = padd_of_json (index_path path 3) a3 in
      Ok (Vcert.New (o, va, pa))
  | "Del", Some [ a1; a2 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      let* va = vadd_of_json (index_path path 2) a2 in
      Ok (Vcert.Del (o, va))
  | "Lswitch", Some [ a1; a2 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      let* pa = padd_of_json (index_path path 2) a2 in
      Ok (Vcert.Lswitch (o, pa))
  | "Switch", Some [ a1 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      Ok (Vcert.Switch o)
  | "Ret_ctrl", None -> Ok Vcert.Ret_ctrl
  | "Chmod", None -> Ok Vcert.Chmod
  | "Page_pin", Some [ a1; a2; a3 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      let* pa = padd_of_json (index_path path 2) a2 in
      let* t = ptype_of_json (index_path path 3) a3 in
      Ok (Vcert.Page_pin (o, pa, t))
  | "Page_unpin", Some [ a1; a2 ] ->
      let* o = os_ident_of_json (index_path path 1) a1 in
      let* pa = padd_of_json (index_path path 2) a2 in
      Ok (Vcert.Page_unpin (o, pa))
  | "Silent", None -> Ok Vcert.Silent
  | _ -> constructor_error "action" action_arities path c

let json_of_action (x : Vcert.action) : json =
  match x with
  | Vcert.Read va -> `List [ `String "Read"; json_of_vadd va ]
  | Vcert.Write (va, v) -> `List [ `String "Write"; json_of_vadd va; json_of_value v ]
  | Vcert.Read_hyper va -> `List [ `String "Read_hyper"; json_of_vadd va ]
  | Vcert.Write_hyper (va, v) ->
      `List [ `String "Write_hyper"; json_of_vadd va; json_of_value v ]
  | Vcert.Hcall h -> `List [ `String "Hcall"; json_of_hyper_call h ]
  | Vcert.New (o, va, pa) ->
      `List [ `String "New"; json_of_os_ident o; json_of_vadd va; json_of_padd pa ]
  | Vcert.Del (o, va) -> `List [ `String "Del"; json_of_os_ident o; json_of_vadd va ]
  | Vcert.Lswitch (o, pa) -> `List [ `String "Lswitch"; json_of_os_ident o; json_of_padd pa ]
  | Vcert.Switch o -> `List [ `String "Switch"; json_of_os_ident o ]
  | Vcert.Ret_ctrl -> `String "Ret_ctrl"
  | Vcert.Chmod -> `String "Chmod"
  | Vcert.Page_pin (o, pa, t) ->
      `List [ `String "Page_pin"; json_of_os_ident o; json_of_padd pa; json_of_ptype t ]
  | Vcert.Page_unpin (o, pa) ->
      `List [ `String "Page_unpin"; json_of_os_ident o; json_of_padd pa ]
  | Vcert.Silent -> `String "Silent"

(* ---------------------------------------------------------------------- *)
(* Errors.v *)

let error_code_arities =
  [ ("Unknown_os", 0); ("Wrong_os_activity", 0); ("Not_active_os", 0); ("Wrong_hcall", 0);
    ("No_access_va_os", 0); ("Invalid_vadd", 0); ("Wrong_page_type", 0);
    ("No_access_va_hyp", 0); ("Trusted_os_hcall", 0); ("Invalid_padd", 0);
    ("Pending_hcall", 0); ("Padd_in_use", 0); ("No_free_memory", 0); ("Page_in_use", 0) ]

let error_code_of_json path (j : json) : Vcert.error_code decoded =
  let* c = constructor_of_json "error_code" path j in
  match c with
  | "Unknown_os", None -> Ok Vcert.Unknown_os
  | "Wrong_os_activity", None -> Ok Vcert.Wrong_os_activity
  | "Not_active_os", None -> Ok Vcert.Not_active_os
  | "Wrong_hcall", None -> Ok Vcert.Wrong_hcall
  | "No_access_va_os", None -> Ok Vcert.No_access_va_os
  | "Invalid_vadd", None -> Ok Vcert.Invalid_vadd
  | "Wrong_page_type", None -> Ok Vcert.Wrong_page_type
  | "No_access_va_hyp", None -> Ok Vcert.No_access_va_hyp
  | "Trusted_os_hcall", None -> Ok Vcert.Trusted_os_hcall
  | "Invalid_padd", None -> Ok Vcert.Invalid_padd
  | "Pending_hcall", None -> Ok Vcert.Pending_hcall
  | "Padd_in_use", None -> Ok Vcert.Padd_in_use
  | "No_free_memory", None -> Ok Vcert.No_free_memory
  | "Page_in_use", None -> Ok Vcert.Page_in_use
  | _ -> constructor_error "error_code" error_code_arities path c

let json_of_error_code (x : Vcert.error_code) : json =
  match x with
  | Vcert.Unknown_os -> `String "Unknown_os"
  | Vcert.Wrong_os_activity -> `String "Wrong_os_activity"
  | Vcert.Not_active_os -> `String "Not_active_os"
  | Vcert.Wrong_hcall -> `String "Wrong_hcall"
  | Vcert.No_access_va_os -> `String "No_access_va_os"
  | Vcert.Invalid_vadd -> `String "Invalid_vadd"
  | Vcert.Wrong_page_type -> `String "Wrong_page_type"
  | Vcert.No_access_va_hyp -> `String "No_access_va_hyp"
  | Vcert.Trusted_os_hcall -> `String "Trusted_os_hcall"
  | Vcert.Invalid_padd -> `String "Invalid_padd"
  | Vcert.Pending_hcall -> `String "Pending_hcall"
  | Vcert.Padd_in_use -> `String "Padd_in_use"
  | Vcert.No_free_memory -> `String "No_free_memory"
  | Vcert.Page_in_use -> `String "Page_in_use"

let outcome_arities = [ ("Ok", 0); ("Error", 1) ]

let outcome_of_json path (j : json) : Vcert.outcome decoded =
  let* c = constructor_of_json "outcome" path j in
  match c with
  | "Ok", None -> Ok Vcert.Ok
  | "Error", Some [ a1 ] ->
      let* ec = error_code_of_json (index_path path 1) a1 in
      Ok (Vcert.Error ec)
  | _ -> constructor_error "outcome" outcome_arities path c

let json_of_outcome (x : Vcert.outcome) : json =
  match x with
  | Vcert.Ok -> `String "Ok"
  | Vcert.Error ec -> `List [ `String "Error"; json_of_error_code ec ]

let result_fields = [ "response"; "result_state" ]

let result_of_json path (j : json) : Vcert.result decoded =
  let* fields = record_of_json "result" result_fields path j in
  let* response = decode_field outcome_of_json path fields "response" in
  let* result_state = decode_field state_of_json path fields "result_state" in
  Ok { Vcert.response; result_state }

let json_of_result (x : Vcert.result) : json =
  `Assoc
    [ ("response", json_of_outcome x.Vcert.response);
      ("result_state", json_of_state x.Vcert.result_state) ]

(* ---------------------------------------------------------------------- *)
(* ValidDec.v *)

let vs_property_arities =
  [ ("Trusted_no_hcall", 0); ("Running_no_hcall", 0); ("Svc_when_privileged", 0);
    ("Usr_when_untrusted", 0); ("Hyp_maps_owned", 0); ("Page_tables_owned", 0);
    ("Os_tables_exist", 0); ("Accessible_mappings_physical", 0) ]

let vs_property_of_json path (j : json) : Vcert.vs_property decoded =
  let* c = constructor_of_json "vs_property" path j in
  match c with
  | "Trusted_no_hcall", None -> Ok Vcert.Trusted_no_hcall
  | "Running_no_hcall", None -> Ok Vcert.Running_no_hcall
  | "Svc_when_privileged", None -> Ok Vcert.Svc_when_privileged
  | "Usr_when_untrusted", None -> Ok Vcert.Usr_when_untrusted
  | "Hyp_maps_owned", None -> Ok Vcert.Hyp_maps_owned
  | "Page_tables_owned", None -> Ok Vcert.Page_tables_owned
  | "Os_tables_exist", None -> Ok Vcert.Os_tables_exist
  | "Accessible_mappings_physical", None -> Ok Vcert.Accessible_mappings_physical
  | _ -> constructor_error "vs_property" vs_property_arities path c

let json_of_vs_property (x : Vcert.vs_property) : json =
  match x with
  | Vcert.Trusted_no_hcall -> `String "Trusted_no_hcall"
  | Vcert.Running_no_hcall -> `String "Running_no_hcall"
  | Vcert.Svc_when_privileged -> `String "Svc_when_privileged"
  | Vcert.Usr_when_untrusted -> `String "Usr_when_untrusted"
  | Vcert.Hyp_maps_owned -> `String "Hyp_maps_owned"
  | Vcert.Page_tables_owned -> `String "Page_tables_owned"
  | Vcert.Os_tables_exist -> `String "Os_tables_exist"
  | Vcert.Accessible_mappings_physical -> `String "Accessible_mappings_physical"

(* ---------------------------------------------------------------------- *)
(* CacheModel.v *)

let cache_config_fields = [ "cache_size"; "tlb_size"; "flush_on_switch" ]

let cache_config_of_json path (j : json) : Vcert.cache_config decoded =
  let* fields = record_of_json "cache_config" cache_config_fields path j in
  let* cache_size = decode_field nat_of_json path fields "cache_size" in
  let* tlb_size = decode_field nat_of_json path fields "tlb_size" in
  let* flush_on_switch = decode_field bool_of_json path fields "flush_on_switch" in
  Ok { Vcert.cache_size; tlb_size; flush_on_switch }

let json_of_cache_config (x : Vcert.cache_config) : json =
  `Assoc
    [ ("cache_size", json_of_nat x.Vcert.cache_size);
      ("tlb_size", json_of_nat x.Vcert.tlb_size);
      ("flush_on_switch", json_of_bool x.Vcert.flush_on_switch) ]

let cstate_fields = [ "hv"; "cache"; "tlb" ]

let cstate_of_json path (j : json) : Vcert.cstate decoded =
  let* fields = record_of_json "cstate" cstate_fields path j in
  let* hv = decode_field state_of_json path fields "hv" in
  let* cache = decode_field (alist_of_json page_of_json) path fields "cache" in
  let* tlb = decode_field (alist_of_json madd_of_json) path fields "tlb" in
  Ok { Vcert.hv; cache; tlb }

let json_of_cstate (x : Vcert.cstate) : json =
  `Assoc
    [ ("hv", json_of_state x.Vcert.hv);
      ("cache", json_of_alist json_of_page x.Vcert.cache);
      ("tlb", json_of_alist json_of_madd x.Vcert.tlb) ]

let access_obs_arities = [ ("Cache_hit", 0); ("Tlb_hit", 0); ("Page_walk", 0) ]

let access_obs_of_json path (j : json) : Vcert.access_obs decoded =
  let* c = constructor_of_json "access_obs" path j in
  match c with
  | "Cache_hit", None -> Ok Vcert.Cache_hit
  | "Tlb_hit", None -> Ok Vcert.Tlb_hit
  | "Page_walk", None -> Ok Vcert.Page_walk
  | _ -> constructor_error "access_obs" access_obs_arities path c

let json_of_access_obs (x : Vcert.access_obs) : json =
  match x with
  | Vcert.Cache_hit -> `String "Cache_hit"
  | Vcert.Tlb_hit -> `String "Tlb_hit"
  | Vcert.Page_walk -> `String "Page_walk"

(* ---------------------------------------------------------------------- *)
(* CacheStep.v *)

let cresult_fields = [ "cresponse"; "observation"; "cresult_state" ]

let cresult_of_json path (j : json) : Vcert.cresult decoded =
  let* fields = record_of_json "cresult" cresult_fields path j in
  let* cresponse = decode_field outcome_of_json path fields "cresponse" in
  let* observation = decode_field (option_of_json access_obs_of_json) path fields "observation" in
  let* cresult_state = decode_field cstate_of_json path fields "cresult_state" in
  Ok { Vcert.cresponse; observation; cresult_state }

let json_of_cresult (x : Vcert.cresult) : json =
  `Assoc
    [ ("cresponse", json_of_outcome x.Vcert.cresponse);
      ("observation", json_of_option json_of_access_obs x.Vcert.observation);
      ("cresult_state", json_of_cstate x.Vcert.cresult_state) ]
