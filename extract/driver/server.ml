(* The driver's requests and responses (docs/protocol.md, "Driver protocol"):
   one request line in, one response value out.  Every failure becomes an
   error response; nothing here raises. *)

type json = Yojson.Safe.t

let ( let* ) = Result.bind

(* An error response's "error" object, minus what every error has in common. *)
type failure = {
  kind : string;  (* "malformed_json" | "bad_request" | "invalid_state" *)
  message : string;
  path : string;  (* JSON path of the offending value; "$" is the whole line *)
  details : (string * json) list;
}

type request =
  | Ping
  | Valid of Vcert.context * Vcert.state
  | Pre of Vcert.context * Vcert.state * Vcert.action
  | Run of Vcert.context * Vcert.state * Vcert.action list * bool
  | Run_cache of Vcert.context * Vcert.cache_config * Vcert.cstate * Vcert.action list * bool

let malformed message = { kind = "malformed_json"; message; path = "$"; details = [] }

let bad_request ({ path; message } : Codec.error) =
  { kind = "bad_request"; message; path; details = [] }

(* ---------------------------------------------------------------------- *)
(* Parsing a line *)

(* Yojson.Safe also reads tuples, variants and NaN/Infinity, which are not
   JSON; refuse them so that both ends speak plain JSON. *)
let rec is_standard (j : json) : bool =
  match j with
  | `Tuple _ | `Variant _ -> false
  | `Float f -> Float.is_finite f
  | `List items -> List.for_all is_standard items
  | `Assoc fields -> List.for_all (fun (_, v) -> is_standard v) fields
  | `Null | `Bool _ | `Int _ | `Intlit _ | `String _ -> true

(* The checks on the raw line that come before either reading of it. *)
let guard_line (line : string) : (unit, failure) result =
  if String.trim line = "" then Error (malformed "empty line: expected one JSON request")
  else
    match Guard.first_invalid_utf8 line with
    | Some i ->
        Error (malformed (Printf.sprintf "the line is not UTF-8: byte 0x%02X at offset %d" (Char.code line.[i]) i))
    | None when Guard.too_deep line ->
        Error (malformed (Printf.sprintf "JSON nested deeper than %d levels" Guard.max_depth))
    | None -> Ok ()

(* The JSON tree of a guarded line. *)
let parse_line (line : string) : (json, failure) result =
  match Yojson.Safe.from_string line with
  | j when is_standard j -> Ok j
  | _ -> Error (malformed "not plain JSON (tuples, variants, NaN and Infinity are refused)")
  | exception Yojson.Json_error msg ->
      Error (malformed (String.map (fun c -> if c = '\n' then ' ' else c) msg))

(* ---------------------------------------------------------------------- *)
(* Decoding a request *)

let op_fields = function
  | "ping" -> Some [ "id"; "op" ]
  | "valid" -> Some [ "id"; "op"; "context"; "state" ]
  | "pre" -> Some [ "id"; "op"; "context"; "state"; "action" ]
  | "run" -> Some [ "id"; "op"; "context"; "state"; "actions"; "states" ]
  | "run_cache" -> Some [ "id"; "op"; "context"; "cache"; "state"; "actions"; "states" ]
  | _ -> None

let unknown_op op =
  Codec.fail "$.op" (Printf.sprintf "unknown op %S (expected run, run_cache, valid, pre or ping)" op)

let decode_request (fields : (string * json) list) : (request, Codec.error) result =
  let* op =
    match List.assoc_opt "op" fields with
    | Some (`String op) -> Ok op
    | Some j -> Codec.expected "$.op" "an op name (a string)" j
    | None -> Codec.fail "$" "missing field \"op\""
  in
  let* names =
    match op_fields op with
    | Some names -> Ok names
    | None -> unknown_op op
  in
  (* "states" is optional and defaults to false. *)
  let fields =
    if (op = "run" || op = "run_cache") && not (List.mem_assoc "states" fields) then fields @ [ ("states", `Bool false) ]
    else fields
  in
  let* fields = Codec.record_of_json (op ^ " request") names "$" (`Assoc fields) in
  let context () = Codec.decode_field Codec.context_of_json "$" fields "context" in
  let state () = Codec.decode_field Codec.state_of_json "$" fields "state" in
  match op with
  | "valid" ->
      let* ctx = context () in
      let* s = state () in
      Ok (Valid (ctx, s))
  | "pre" ->
      let* ctx = context () in
      let* s = state () in
      let* a = Codec.decode_field Codec.action_of_json "$" fields "action" in
      Ok (Pre (ctx, s, a))
  | "run" ->
      let* ctx = context () in
      let* s = state () in
      let* acts = Codec.decode_field (Codec.list_of_json Codec.action_of_json) "$" fields "actions" in
      let* with_states = Codec.decode_field Codec.bool_of_json "$" fields "states" in
      Ok (Run (ctx, s, acts, with_states))
  | "run_cache" ->
      let* ctx = context () in
      let* cfg = Codec.decode_field Codec.cache_config_of_json "$" fields "cache" in
      let* cs = Codec.decode_field Codec.cstate_of_json "$" fields "state" in
      let* acts = Codec.decode_field (Codec.list_of_json Codec.action_of_json) "$" fields "actions" in
      let* with_states = Codec.decode_field Codec.bool_of_json "$" fields "states" in
      Ok (Run_cache (ctx, cfg, cs, acts, with_states))
  | "ping" -> Ok Ping
  | _ -> unknown_op op

(* The id and request of a guarded line, decoded from its JSON tree. *)
let tree_request (line : string) : json * (request, failure) result =
  match parse_line line with
  | Error f -> (`Null, Error f)
  | Ok (`Assoc fields) ->
      let id = Option.value (List.assoc_opt "id" fields) ~default:`Null in
      (id, Result.map_error bad_request (decode_request fields))
  | Ok j ->
      (`Null, Error (bad_request { path = "$"; message = "expected a request object, got " ^ Codec.describe j }))

(* ---------------------------------------------------------------------- *)
(* Reading a request without a tree *)

(* A request is first read in one pass, straight from yojson's lexer into the
   model's types (Codec's readers), and decoded from a JSON tree only if that
   reading gives up.  It gives up on every line the tree decoder refuses, and
   on some it accepts; whatever it accepts, the tree decoder accepts too, as
   the same request.  So the answers are those of the tree decoder, errors
   included, and a usual request never builds a tree. *)

(* The fields read so far.  "state" is a state, or a cached state for
   run_cache: when it comes before "op", it is read as a state (the usual
   case) and, if it is not one, its extent is noted, to be read as a cached
   state once "op" is known. *)
type slots = {
  mutable names : string list;
  mutable id : json;
  mutable op : string option;
  mutable context : Vcert.context option;
  mutable state : Vcert.state option;
  mutable cstate : Vcert.cstate option;
  mutable state_at : (int * int) option;
  mutable action : Vcert.action option;
  mutable actions : Vcert.action list option;
  mutable states : bool option;
  mutable cache : Vcert.cache_config option;
}

let read_state (f : slots) (op : string) st lb : unit =
  if op = "run_cache" then f.cstate <- Some (Codec.read_cstate st lb)
  else f.state <- Some (Codec.read_state st lb)

let read_field (f : slots) (name : string) st (lb : Lexing.lexbuf) : unit =
  if List.mem name f.names then raise Codec.Mismatch;
  f.names <- name :: f.names;
  match name with
  | "id" ->
      let j = Yojson.Safe.read_json st lb in
      if not (is_standard j) then raise Codec.Mismatch;
      f.id <- j
  | "op" -> f.op <- Some (Codec.read_string st lb)
  | "context" -> f.context <- Some (Codec.read_context st lb)
  | "state" -> (
      match f.op with
      | Some op -> read_state f op st lb
      | None -> (
          Codec.skip_space st lb;
          let start = lb.Lexing.lex_curr_pos in
          try f.state <- Some (Codec.read_state st lb)
          with Codec.Mismatch | Yojson.Json_error _ ->
            lb.Lexing.lex_curr_pos <- start;
            Yojson.Safe.skip_json st lb;
            f.state_at <- Some (start, lb.Lexing.lex_curr_pos)))
  | "action" -> f.action <- Some (Codec.read_action st lb)
  | "actions" -> f.actions <- Some (Codec.read_list Codec.read_action st lb)
  | "states" -> f.states <- Some (Codec.read_bool st lb)
  | "cache" -> f.cache <- Some (Codec.read_cache_config st lb)
  | _ -> raise Codec.Mismatch

let get (slot : 'a option) : 'a = match slot with Some v -> v | None -> raise Codec.Mismatch

(* The request of a line, raising Codec.Mismatch (or yojson's exceptions)
   where this reading gives up. *)
let read_request (line : string) : json * request =
  let st = Yojson.init_lexer () and lb = Lexing.from_string line in
  let f =
    { names = []; id = `Null; op = None; context = None; state = None; cstate = None; state_at = None;
      action = None; actions = None; states = None; cache = None }
  in
  Codec.read_record (read_field f) st lb;
  Yojson.Safe.read_space st lb;
  if not (Yojson.Safe.read_eof lb) then raise Codec.Mismatch;
  let op = get f.op in
  Option.iter
    (fun (start, stop) ->
      (* Not a state: a cached state if anything (else "get" gives up below). *)
      if op = "run_cache" then begin
        lb.Lexing.lex_curr_pos <- start;
        read_state f op st lb;
        if lb.Lexing.lex_curr_pos <> stop then raise Codec.Mismatch
      end)
    f.state_at;
  let optional = if op = "run" || op = "run_cache" then [ "states" ] else [] in
  let given = List.sort_uniq compare (optional @ f.names) in
  if Some given <> Option.map (List.sort compare) (op_fields op) then raise Codec.Mismatch;
  let states () = Option.value f.states ~default:false in
  let request =
    match op with
    | "ping" -> Ping
    | "valid" -> Valid (get f.context, get f.state)
    | "pre" -> Pre (get f.context, get f.state, get f.action)
    | "run" -> Run (get f.context, get f.state, get f.actions, states ())
    | "run_cache" -> Run_cache (get f.context, get f.cache, get f.cstate, get f.actions, states ())
    | _ -> raise Codec.Mismatch
  in
  (f.id, request)

(* The request of a guarded line, or None where [read_request] gives up.  Only
   a resource running out escapes (and is answered as in [handle_line]). *)
let fast_request (line : string) : (json * request) option =
  match read_request line with
  | r -> Some r
  | exception ((Stack_overflow | Out_of_memory) as e) -> raise e
  | exception _ -> None

(* ---------------------------------------------------------------------- *)
(* Answering *)

(* MODEL.md's statement of each valid_state property, for error messages. *)
let property_statement (p : Vcert.vs_property) : string =
  match p with
  | Vcert.Trusted_no_hcall -> "a trusted guest never has a pending hypercall"
  | Vcert.Running_no_hcall -> "while a guest runs, the active guest has no pending hypercall"
  | Vcert.Svc_when_privileged ->
      "the mode is Svc when the hypervisor runs (Waiting) or the active guest is trusted"
  | Vcert.Usr_when_untrusted -> "the mode is Usr when an untrusted active guest is Running"
  | Vcert.Hyp_maps_owned ->
      "every hyp[o][pa] = ma names an existing page owned by Os o, and each hyp[o] is injective"
  | Vcert.Page_tables_owned ->
      "every page table of guest o maps accessible addresses to existing pages owned by \
       Os o and window addresses to pages owned by Hyp"
  | Vcert.Os_tables_exist ->
      "every guest has a physical map and a current page table it owns, the active guest \
       exists, and dom(hyp) = dom(oss)"
  | Vcert.Accessible_mappings_physical ->
      "every accessible mapping of a guest's page table reaches a page the guest holds in hyp"

(* MODEL.md's number (1 to 8) of a valid_state property. *)
let property_number (p : Vcert.vs_property) : int =
  let rec index i = function
    | [] -> 0
    | q :: rest -> if q = p then i else index (i + 1) rest
  in
  index 1 Vcert.all_properties

let check_valid ?(path = "$.state") (ctx : Vcert.context) (s : Vcert.state) : (unit, failure) result =
  match Vcert.first_invalid ctx s with
  | None -> Ok ()
  | Some p ->
      let n = property_number p in
      let name =
        match Codec.json_of_vs_property p with `String name -> name | j -> Yojson.Safe.to_string j
      in
      Error
        { kind = "invalid_state";
          message =
            Printf.sprintf "the state violates valid_state property %d, %s: %s" n name
              (property_statement p);
          path;
          details = [ ("property", Codec.json_of_vs_property p); ("number", `Int n) ] }

(* An answer field's value: one JSON value, or an array written item by item
   (the states of a run), so that an answer over the cap is refused before
   it ever exists whole in memory. *)
type value = One of json | Items of json Seq.t

let items f results = Items (Seq.map f (List.to_seq results))

(* The cached variant: the base state must be valid (the caches may hold
   anything: cstep never reads a value from them). *)
let answer_cache ctx cfg (cs : Vcert.cstate) acts with_states =
  let* () = check_valid ~path:"$.state.hv" ctx cs.Vcert.hv in
  let results = Vcert.ctrace cfg ctx cs acts in
  let final = List.fold_left (fun _ r -> r.Vcert.cresult_state) cs results in
  Ok
    ([ ("responses", items (fun r -> Codec.json_of_outcome r.Vcert.cresponse) results);
       ("observations",
         items (fun r -> Codec.json_of_option Codec.json_of_access_obs r.Vcert.observation) results) ]
    @ (if with_states then [ ("states", items (fun r -> Codec.json_of_cstate r.Vcert.cresult_state) results) ]
       else [])
    @ [ ("final_state", One (Codec.json_of_cstate final)) ])

(* The number of machine pages of [s]. *)
let pages (s : Vcert.state) : int = Vcert.fold (fun _ _ n -> n + 1) s.Vcert.mem 0

(* A run from a state of at least [index_from] pages steps with
   [trace_indexed], which is [trace] (StepIndex.trace_indexed_trace) but
   keeps indexes of the free and the mapped pages instead of traversing the
   memory at each Page_pin and Page_unpin.  Smaller runs step with [trace]
   itself, so that campaigns test step's own searches of the memory. *)
let answer ~(index_from : int) (req : request) : ((string * value) list, failure) result =
  match req with
  | Ping -> Ok [ ("pong", One (`Bool true)) ]
  | Valid (ctx, s) ->
      (* valid_state_b is [is_none (first_invalid ctx s)] (ValidDec.v):
         answer both from one check, which is the whole cost at 10^5 pages. *)
      let first = Vcert.first_invalid ctx s in
      Ok
        [ ("valid", One (`Bool (Vcert.is_none first)));
          ("first_invalid", One (Codec.json_of_option Codec.json_of_vs_property first));
          ("number", One (Codec.json_of_option (fun p -> `Int (property_number p)) first)) ]
  | Pre (ctx, s, a) ->
      let* () = check_valid ctx s in
      Ok
        [ ("pre", One (`Bool (Vcert.pre_b ctx s a)));
          ("pre_error", One (Codec.json_of_option Codec.json_of_error_code (Vcert.pre_error ctx s a))) ]
  | Run (ctx, s, acts, with_states) ->
      let* () = check_valid ctx s in
      let results =
        if pages s >= index_from then Vcert.trace_indexed ctx s acts else Vcert.trace ctx s acts
      in
      let final = List.fold_left (fun _ r -> r.Vcert.result_state) s results in
      Ok
        ([ ("responses", items (fun r -> Codec.json_of_outcome r.Vcert.response) results) ]
        @ (if with_states then [ ("states", items (fun r -> Codec.json_of_state r.Vcert.result_state) results) ]
           else [])
        @ [ ("final_state", One (Codec.json_of_state final)) ])
  | Run_cache (ctx, cfg, cs, acts, with_states) -> answer_cache ctx cfg cs acts with_states

(* ---------------------------------------------------------------------- *)
(* Writing the answer line *)

(* Error messages longer than this are clipped (they may quote the input). *)
let max_message = 1000

exception Over_cap

(* Writes [fields] as one JSON object into [buf], byte for byte what
   Yojson.Safe.to_string writes for the same `Assoc, raising Over_cap as soon
   as [buf] holds more than [cap] bytes. *)
let write_object (buf : Buffer.t) (cap : int) (fields : (string * value) list) : unit =
  let check () = if Buffer.length buf > cap then raise Over_cap in
  let write j = Yojson.Safe.to_buffer buf j; check () in
  let field k (name, v) =
    if k > 0 then Buffer.add_char buf ',';
    Yojson.Safe.write_string buf name;
    Buffer.add_char buf ':';
    match v with
    | One j -> write j
    | Items seq ->
        Buffer.add_char buf '[';
        ignore (Seq.fold_left (fun k j -> if k > 0 then Buffer.add_char buf ','; write j; k + 1) 0 seq);
        Buffer.add_char buf ']'
  in
  Buffer.add_char buf '{';
  List.iteri field fields;
  Buffer.add_char buf '}';
  check ()

let error_fields (f : failure) : (string * value) list =
  let message = Guard.clip max_message (Guard.sanitize f.message) in
  [ ("ok", One (`Bool false));
    ( "error",
      One
        (`Assoc
          ([ ("kind", `String f.kind); ("message", `String message); ("path", `String f.path) ]
          @ f.details)) ) ]

let too_large (message : string) (limit : int) : failure =
  { kind = "too_large"; message; path = "$"; details = [ ("limit", `Int limit) ] }

let answer_too_large (cap : int) : failure =
  too_large
    (Printf.sprintf
       "the answer would be longer than %d bytes, the driver's answer cap (--max-answer-bytes, \
        $VCERT_DRIVER_MAX_ANSWER): ask for fewer steps, or for a run without states"
       cap)
    cap

let request_too_large (limit : int) : failure =
  too_large
    (Printf.sprintf
       "the request line is longer than %d bytes, the driver's request cap (--max-request-bytes, \
        $VCERT_DRIVER_MAX_REQUEST): split long runs"
       limit)
    limit

(* The answer line (without newline) for a request with this [id] and
   [outcome]: at most [cap] bytes and valid UTF-8.  An answer over the cap
   becomes a too_large error; an error still over it (an enormous id) is
   sent with id null, which fits any cap of at least [min_answer_cap]. *)
let answer_line ~(cap : int) (id : json) (outcome : ((string * value) list, failure) result) : string =
  let attempt id fields =
    let buf = Buffer.create 4096 in
    match write_object buf cap (("id", One id) :: fields) with
    | () ->
        let line = Guard.sanitize (Buffer.contents buf) in
        if String.length line <= cap then Some line else None
    | exception Over_cap -> None
  in
  let fields = match outcome with Ok body -> ("ok", One (`Bool true)) :: body | Error f -> error_fields f in
  let refusal () =
    match attempt id (error_fields (answer_too_large cap)) with
    | Some line -> line
    | None -> Option.get (attempt `Null (error_fields (answer_too_large cap)))
  in
  match attempt id fields with
  | Some line -> line
  | None -> (
      match outcome with
      | Ok _ -> refusal ()
      | Error _ -> (
          match attempt `Null fields with Some line -> line | None -> refusal ()))

(* The smallest answer cap the driver accepts: every error line with id null
   (its message clipped to max_message) fits. *)
let min_answer_cap = 4096

(* An exception while answering: a resource ran out (the stack, memory),
   or a bug; either way an error answer, never the end of the driver. *)
let failure_of_exn (e : exn) : failure =
  let failure kind message = { kind; message; path = "$"; details = [] } in
  match e with
  | Stack_overflow -> failure "bad_request" "request too large to process (stack exhausted): split long runs"
  | Out_of_memory -> failure "bad_request" "request too large to process (out of memory): split long runs"
  | e -> failure "internal_error" ("the driver failed on this request: " ^ Printexc.to_string e)

(* The id of a request line and its outcome: the answer's fields, or why
   there is none. *)
let handle ~(index_from : int) (line : string) : json * ((string * value) list, failure) result =
  match guard_line line with
  | Error f -> (`Null, Error f)
  | Ok () ->
      let id, request =
        match fast_request line with Some (id, r) -> (id, Ok r) | None -> tree_request line
      in
      (id, Result.bind request (answer ~index_from))

(* The response line (without newline) to one request line.  Nothing
   escapes: whatever the line holds, there is exactly one answer. *)
let handle_line ~(cap : int) ~(index_from : int) (line : string) : string =
  let id = ref `Null in
  try
    let request_id, outcome = handle ~index_from line in
    id := request_id;
    answer_line ~cap request_id outcome
  with e -> (
    let refusal = Error (failure_of_exn e) in
    try answer_line ~cap !id refusal with _ -> answer_line ~cap `Null refusal)
