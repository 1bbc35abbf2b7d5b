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
   Each type also gets a reader [read_<type>] that reads it straight from
   yojson's lexer (see "Reading straight from the lexer").
   [Vcert] is not opened: its [Ok]/[Error] (the Coq [outcome]) would shadow
   the OCaml [result] constructors used here. *)

type json = Yojson.Safe.t

type error = { path : string; message : string }

type 'a decoded = ('a, error) result

let ( let* ) = Result.bind

let fail path message = Error { path; message }

(* JSON paths, for error messages.  Building one for every value costs more
   than decoding it, but a large request seldom gets here: it is read by the
   readers below, and decoded from its tree only when they give up. *)
let field_path path name = path ^ "." ^ name

let index_path path i = path ^ "[" ^ string_of_int i ^ "]"

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

(* Decode field [name] of fields already checked by [record_of_json]. *)
let decode_field (decode : string -> json -> 'a decoded) path fields name : 'a decoded =
  decode (field_path path name) (List.assoc name fields)

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

(* The finite map (a trie in the model) with these bindings, whose keys are
   distinct, built with the model's own [update]: [map_of_json] and [read_map]
   build maps through this one function. *)
let map_of_bindings (bindings : (int * 'a) list) : 'a Vcert.map =
  List.fold_left (fun m (k, v) -> Vcert.update m k v) Vcert.Leaf bindings

(* A finite map: the association list's JSON form, keys in any order. *)
let map_of_json (decode : string -> json -> 'a decoded) path (j : json)
    : 'a Vcert.map decoded =
  let* bindings = alist_of_json decode path j in
  Ok (map_of_bindings bindings)

(* Answered in ascending key order. *)
let json_of_map (encode : 'a -> json) (m : 'a Vcert.map) : json =
  let ascending = List.sort (fun (k1, _) (k2, _) -> compare k1 k2) (Vcert.bindings m) in
  json_of_alist encode ascending

(* ---------------------------------------------------------------------- *)
(* Reading straight from the lexer *)

(* Building a JSON tree and then decoding it costs more than the check that
   follows, at 10^5 pages.  So a request is first read straight from yojson's
   lexer into the model's types, one [read_<type> st lb] per type, without a
   tree or paths.  A reader takes only the plain forms (quoted field names,
   numbers without sign, quotes or exponent), each of which the decoders above
   accept too, with the same value; on anything else it raises [Mismatch] (or
   yojson raises its own exception), and the caller decodes the tree instead,
   which words the error and its path.  Punctuation and white space are taken
   here byte by byte (a lexer call per comma is most of the cost); strings,
   numbers, null, booleans and comments are left to yojson's readers.  Every
   reader skips the white space before its value. *)

exception Mismatch

type lexer = Yojson.Safe.lexer_state

(* The next byte ('\000' at the end): a string lexbuf holds its whole input. *)
let peek (lb : Lexing.lexbuf) : char =
  if lb.Lexing.lex_curr_pos < lb.Lexing.lex_buffer_len then
    Bytes.unsafe_get lb.Lexing.lex_buffer lb.Lexing.lex_curr_pos
  else '\000'

let advance (lb : Lexing.lexbuf) : unit = lb.Lexing.lex_curr_pos <- lb.Lexing.lex_curr_pos + 1

(* Skip what yojson's [read_space] skips: blanks here, comments by it. *)
let rec skip_space (st : lexer) (lb : Lexing.lexbuf) : unit =
  match peek lb with
  | ' ' | '\t' | '\r' | '\n' -> advance lb; skip_space st lb
  | '/' -> Yojson.Safe.read_space st lb
  | _ -> ()

(* Skip white space, then take the byte [c]. *)
let take (c : char) st lb : unit =
  skip_space st lb;
  if peek lb = c then advance lb else raise Mismatch

(* Skip white space, then take ',' (true) or [close] (false). *)
let more (close : char) st lb : bool =
  skip_space st lb;
  match peek lb with
  | ',' -> advance lb; true
  | c when c = close -> advance lb; false
  | _ -> raise Mismatch

let read_nat (st : lexer) (lb : Lexing.lexbuf) : int =
  skip_space st lb;
  match peek lb with '0' .. '9' -> Yojson.Safe.read_int st lb | _ -> raise Mismatch

let read_bool (st : lexer) (lb : Lexing.lexbuf) : bool =
  skip_space st lb;
  match peek lb with 't' | 'f' -> Yojson.Safe.read_bool st lb | _ -> raise Mismatch

let read_string (st : lexer) (lb : Lexing.lexbuf) : string =
  skip_space st lb;
  if peek lb = '"' then Yojson.Safe.read_string st lb else raise Mismatch

let read_option (read : lexer -> Lexing.lexbuf -> 'a) st lb : 'a option =
  skip_space st lb;
  if peek lb = 'n' then (Yojson.Safe.read_null st lb; None) else Some (read st lb)

let read_list (read : lexer -> Lexing.lexbuf -> 'a) st lb : 'a list =
  take '[' st lb;
  skip_space st lb;
  if peek lb = ']' then (advance lb; [])
  else
    let rec items acc =
      let acc = read st lb :: acc in
      if more ']' st lb then items acc else List.rev acc
    in
    items []

(* The next argument of a constructor or pair, after its comma. *)
let read_arg (read : lexer -> Lexing.lexbuf -> 'a) st lb : 'a =
  take ',' st lb;
  read st lb

(* The ']' that closes a constructor or pair. *)
let read_end st lb : unit = take ']' st lb

(* Whether two bindings share a key: one comparison per binding when the keys
   ascend (as in most states), a hash table otherwise. *)
let repeats_a_key (bindings : (int * 'a) list) : bool =
  let rec ascending = function
    | (k1, _) :: ((k2, _) :: _ as rest) -> k1 < k2 && ascending rest
    | _ -> true
  in
  (not (ascending bindings))
  &&
  let seen = Hashtbl.create 64 in
  List.exists (fun (k, _) -> Hashtbl.mem seen k || (Hashtbl.add seen k (); false)) bindings

let read_alist (read : lexer -> Lexing.lexbuf -> 'a) st lb : 'a Vcert.alist =
  let binding st lb =
    take '[' st lb;
    let key = read_nat st lb in
    let value = read_arg read st lb in
    read_end st lb;
    (key, value)
  in
  let bindings = read_list binding st lb in
  if repeats_a_key bindings then raise Mismatch;
  bindings

let read_map (read : lexer -> Lexing.lexbuf -> 'a) st lb : 'a Vcert.map =
  map_of_bindings (read_alist read st lb)

(* A constructor's name, and whether its arguments follow (the array form). *)
let read_constructor st lb : string * bool =
  skip_space st lb;
  match peek lb with
  | '"' -> (Yojson.Safe.read_string st lb, false)
  | '[' -> advance lb; (read_string st lb, true)
  | _ -> raise Mismatch

(* A record's fields, in any order, each given to [read_field name]. *)
let read_record (read_field : string -> lexer -> Lexing.lexbuf -> unit) st lb : unit =
  take '{' st lb;
  skip_space st lb;
  if peek lb = '}' then advance lb
  else
    let rec fields () =
      let name = read_string st lb in
      take ':' st lb;
      read_field name st lb;
      if more '}' st lb then fields ()
    in
    fields ()

(* A record field's slot: filled once, and filled in the end. *)
let once (slot : 'a option ref) (v : 'a) : unit =
  if Option.is_some !slot then raise Mismatch else slot := Some v

let given (slot : 'a option ref) : 'a =
  match !slot with Some v -> v | None -> raise Mismatch

(* The aliases of [nat] in Model.v. *)
let os_ident_of_json = nat_of_json
let json_of_os_ident = json_of_nat
let read_os_ident = read_nat
let vadd_of_json = nat_of_json
let json_of_vadd = json_of_nat
let read_vadd = read_nat
let padd_of_json = nat_of_json
let json_of_padd = json_of_nat
let read_padd = read_nat
let madd_of_json = nat_of_json
let json_of_madd = json_of_nat
let read_madd = read_nat
let value_of_json = nat_of_json
let json_of_value = json_of_nat
let read_value = read_nat

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

let read_context st lb : Vcert.context =
  let hyp_window = ref None
  and trusted_oss = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "hyp_window" -> once hyp_window (read_list read_vadd st lb)
      | "trusted_oss" -> once trusted_oss (read_list read_os_ident st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.hyp_window = given hyp_window; trusted_oss = given trusted_oss }

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

let read_ptype st lb : Vcert.ptype =
  match read_constructor st lb with
  | "T_RW", false -> Vcert.T_RW
  | "T_PT", false -> Vcert.T_PT
  | _ -> raise Mismatch

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

let read_hyper_call st lb : Vcert.hyper_call =
  match read_constructor st lb with
  | "HC_new", true ->
      let va = read_arg read_vadd st lb in
      let pa = read_arg read_padd st lb in
      read_end st lb;
      Vcert.HC_new (va, pa)
  | "HC_del", true ->
      let va = read_arg read_vadd st lb in
      read_end st lb;
      Vcert.HC_del va
  | "HC_lswitch", true ->
      let pa = read_arg read_padd st lb in
      read_end st lb;
      Vcert.HC_lswitch pa
  | "HC_pin", true ->
      let pa = read_arg read_padd st lb in
      let t = read_arg read_ptype st lb in
      read_end st lb;
      Vcert.HC_pin (pa, t)
  | "HC_unpin", true ->
      let pa = read_arg read_padd st lb in
      read_end st lb;
      Vcert.HC_unpin pa
  | _ -> raise Mismatch

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

let read_os_info st lb : Vcert.os_info =
  let curr_page = ref None
  and hcall = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "curr_page" -> once curr_page (read_padd st lb)
      | "hcall" -> once hcall (read_option read_hyper_call st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.curr_page = given curr_page; hcall = given hcall }

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

let read_mode st lb : Vcert.mode =
  match read_constructor st lb with
  | "Usr", false -> Vcert.Usr
  | "Svc", false -> Vcert.Svc
  | _ -> raise Mismatch

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

let read_os_activity st lb : Vcert.os_activity =
  match read_constructor st lb with
  | "Running", false -> Vcert.Running
  | "Waiting", false -> Vcert.Waiting
  | _ -> raise Mismatch

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

let read_page_content st lb : Vcert.page_content =
  match read_constructor st lb with
  | "RW", true ->
      let v = read_arg (read_option read_value) st lb in
      read_end st lb;
      Vcert.RW v
  | "PT", true ->
      let m = read_arg (read_map read_madd) st lb in
      read_end st lb;
      Vcert.PT m
  | "Other", false -> Vcert.Other
  | _ -> raise Mismatch

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

let read_page_owner st lb : Vcert.page_owner =
  match read_constructor st lb with
  | "Hyp", false -> Vcert.Hyp
  | "Os", true ->
      let o = read_arg read_os_ident st lb in
      read_end st lb;
      Vcert.Os o
  | "No_Owner", false -> Vcert.No_Owner
  | _ -> raise Mismatch

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

let read_page st lb : Vcert.page =
  let content = ref None
  and owner = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "content" -> once content (read_page_content st lb)
      | "owner" -> once owner (read_page_owner st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.content = given content; owner = given owner }

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

let read_state st lb : Vcert.state =
  let active_os = ref None
  and exec_mode = ref None
  and activity = ref None
  and oss = ref None
  and hyp = ref None
  and mem = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "active_os" -> once active_os (read_os_ident st lb)
      | "exec_mode" -> once exec_mode (read_mode st lb)
      | "activity" -> once activity (read_os_activity st lb)
      | "oss" -> once oss (read_map read_os_info st lb)
      | "hyp" -> once hyp (read_map (read_map read_madd) st lb)
      | "mem" -> once mem (read_map read_page st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.active_os = given active_os;
    exec_mode = given exec_mode;
    activity = given activity;
    oss = given oss;
    hyp = given hyp;
    mem = given mem }

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

let read_action st lb : Vcert.action =
  match read_constructor st lb with
  | "Read", true ->
      let va = read_arg read_vadd st lb in
      read_end st lb;
      Vcert.Read va
  | "Write", true ->
      let va = read_arg read_vadd st lb in
      let v = read_arg read_value st lb in
      read_end st lb;
      Vcert.Write (va, v)
  | "Read_hyper", true ->
      let va = read_arg read_vadd st lb in
      read_end st lb;
      Vcert.Read_hyper va
  | "Write_hyper", true ->
      let va = read_arg read_vadd st lb in
      let v = read_arg read_value st lb in
      read_end st lb;
      Vcert.Write_hyper (va, v)
  | "Hcall", true ->
      let h = read_arg read_hyper_call st lb in
      read_end st lb;
      Vcert.Hcall h
  | "New", true ->
      let o = read_arg read_os_ident st lb in
      let va = read_arg read_vadd st lb in
      let pa = read_arg read_padd st lb in
      read_end st lb;
      Vcert.New (o, va, pa)
  | "Del", true ->
      let o = read_arg read_os_ident st lb in
      let va = read_arg read_vadd st lb in
      read_end st lb;
      Vcert.Del (o, va)
  | "Lswitch", true ->
      let o = read_arg read_os_ident st lb in
      let pa = read_arg read_padd st lb in
      read_end st lb;
      Vcert.Lswitch (o, pa)
  | "Switch", true ->
      let o = read_arg read_os_ident st lb in
      read_end st lb;
      Vcert.Switch o
  | "Ret_ctrl", false -> Vcert.Ret_ctrl
  | "Chmod", false -> Vcert.Chmod
  | "Page_pin", true ->
      let o = read_arg read_os_ident st lb in
      let pa = read_arg read_padd st lb in
      let t = read_arg read_ptype st lb in
      read_end st lb;
      Vcert.Page_pin (o, pa, t)
  | "Page_unpin", true ->
      let o = read_arg read_os_ident st lb in
      let pa = read_arg read_padd st lb in
      read_end st lb;
      Vcert.Page_unpin (o, pa)
  | "Silent", false -> Vcert.Silent
  | _ -> raise Mismatch

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

let read_error_code st lb : Vcert.error_code =
  match read_constructor st lb with
  | "Unknown_os", false -> Vcert.Unknown_os
  | "Wrong_os_activity", false -> Vcert.Wrong_os_activity
  | "Not_active_os", false -> Vcert.Not_active_os
  | "Wrong_hcall", false -> Vcert.Wrong_hcall
  | "No_access_va_os", false -> Vcert.No_access_va_os
  | "Invalid_vadd", false -> Vcert.Invalid_vadd
  | "Wrong_page_type", false -> Vcert.Wrong_page_type
  | "No_access_va_hyp", false -> Vcert.No_access_va_hyp
  | "Trusted_os_hcall", false -> Vcert.Trusted_os_hcall
  | "Invalid_padd", false -> Vcert.Invalid_padd
  | "Pending_hcall", false -> Vcert.Pending_hcall
  | "Padd_in_use", false -> Vcert.Padd_in_use
  | "No_free_memory", false -> Vcert.No_free_memory
  | "Page_in_use", false -> Vcert.Page_in_use
  | _ -> raise Mismatch

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

let read_outcome st lb : Vcert.outcome =
  match read_constructor st lb with
  | "Ok", false -> Vcert.Ok
  | "Error", true ->
      let ec = read_arg read_error_code st lb in
      read_end st lb;
      Vcert.Error ec
  | _ -> raise Mismatch

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

let read_result st lb : Vcert.result =
  let response = ref None
  and result_state = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "response" -> once response (read_outcome st lb)
      | "result_state" -> once result_state (read_state st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.response = given response; result_state = given result_state }

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

let read_vs_property st lb : Vcert.vs_property =
  match read_constructor st lb with
  | "Trusted_no_hcall", false -> Vcert.Trusted_no_hcall
  | "Running_no_hcall", false -> Vcert.Running_no_hcall
  | "Svc_when_privileged", false -> Vcert.Svc_when_privileged
  | "Usr_when_untrusted", false -> Vcert.Usr_when_untrusted
  | "Hyp_maps_owned", false -> Vcert.Hyp_maps_owned
  | "Page_tables_owned", false -> Vcert.Page_tables_owned
  | "Os_tables_exist", false -> Vcert.Os_tables_exist
  | "Accessible_mappings_physical", false -> Vcert.Accessible_mappings_physical
  | _ -> raise Mismatch

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

let read_cache_config st lb : Vcert.cache_config =
  let cache_size = ref None
  and tlb_size = ref None
  and flush_on_switch = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "cache_size" -> once cache_size (read_nat st lb)
      | "tlb_size" -> once tlb_size (read_nat st lb)
      | "flush_on_switch" -> once flush_on_switch (read_bool st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.cache_size = given cache_size;
    tlb_size = given tlb_size;
    flush_on_switch = given flush_on_switch }

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

let read_cstate st lb : Vcert.cstate =
  let hv = ref None
  and cache = ref None
  and tlb = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "hv" -> once hv (read_state st lb)
      | "cache" -> once cache (read_alist read_page st lb)
      | "tlb" -> once tlb (read_alist read_madd st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.hv = given hv; cache = given cache; tlb = given tlb }

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

let read_access_obs st lb : Vcert.access_obs =
  match read_constructor st lb with
  | "Cache_hit", false -> Vcert.Cache_hit
  | "Tlb_hit", false -> Vcert.Tlb_hit
  | "Page_walk", false -> Vcert.Page_walk
  | _ -> raise Mismatch

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

let read_cresult st lb : Vcert.cresult =
  let cresponse = ref None
  and observation = ref None
  and cresult_state = ref None in
  read_record
    (fun name st lb ->
      match name with
      | "cresponse" -> once cresponse (read_outcome st lb)
      | "observation" -> once observation (read_option read_access_obs st lb)
      | "cresult_state" -> once cresult_state (read_cstate st lb)
      | _ -> raise Mismatch)
    st lb;
  { Vcert.cresponse = given cresponse;
    observation = given observation;
    cresult_state = given cresult_state }
